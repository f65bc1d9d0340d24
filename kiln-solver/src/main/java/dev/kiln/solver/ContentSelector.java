package dev.kiln.solver;

import java.util.List;

/**
 * Which files of an input an op reads, so its cache key can depend on their content instead
 * of on the input's key: a COPY from the build context is keyed by the files it copies, not
 * by the whole context. Paths are relative to the input's root and may hold wildcards when
 * {@code wildcard} is set; {@code include}/{@code exclude} are .dockerignore-style patterns.
 */
public record ContentSelector(List<String> paths, boolean wildcard, boolean followLinks, List<String> include,
                              List<String> exclude) {
    public ContentSelector {
        paths = List.copyOf(paths);
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }
}
