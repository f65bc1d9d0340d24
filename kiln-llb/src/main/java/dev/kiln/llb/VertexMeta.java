package dev.kiln.llb;

import java.util.Map;
import java.util.TreeMap;

/**
 * What the solver needs to know about a vertex besides its op, not part of its digest:
 * {@code name} is what progress shows ({@code [build 2/4] RUN make}); {@code ignoreCache}
 * forces the vertex to run ({@code --no-cache}, {@code --no-cache-filter}); {@code description}
 * holds free-form attributes such as the source location of the instruction.
 */
public record VertexMeta(String name, boolean ignoreCache, Map<String, String> description) {
    public static final VertexMeta NONE = new VertexMeta("", false, Map.of());

    public VertexMeta {
        name = name == null ? "" : name;
        description = description == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(description));
    }

    public static VertexMeta named(String name) {
        return new VertexMeta(name, false, Map.of());
    }

    public VertexMeta withIgnoreCache(boolean ignore) {
        return new VertexMeta(name, ignore, description);
    }
}
