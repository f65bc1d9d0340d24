package dev.kiln.solver;

import dev.kiln.common.Digest;
import java.util.List;
import java.util.Optional;

/**
 * What the worker says about an op before it runs: {@code opKey}, the digest of everything
 * about the op that matters for its result except its inputs; for each input, an optional
 * {@link ContentSelector} (key that input by the content of the selected files rather than
 * by its own cache key); and whether the result may be cached at all (a client directory
 * may not: it is read afresh each build).
 */
public record CacheMap(Digest opKey, List<Optional<ContentSelector>> selectors, boolean cacheable) {
    public CacheMap {
        selectors = List.copyOf(selectors);
    }

    public static CacheMap of(Digest opKey, int inputs) {
        return new CacheMap(opKey, java.util.Collections.nCopies(inputs, Optional.empty()), true);
    }
}
