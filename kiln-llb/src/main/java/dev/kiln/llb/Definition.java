package dev.kiln.llb;

import dev.kiln.common.Digest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole build graph: its vertices, each listed after its inputs, and the edge whose result
 * is the build's result. An empty root ({@code root} absent) means an empty file system
 * ({@code FROM scratch} with nothing added). Definitions are what a frontend produces and
 * what the solver consumes; {@link LlbCodec} turns them into deterministic bytes and back.
 */
public record Definition(List<Vertex> vertices, Optional<Edge> root) {
    public Definition {
        vertices = List.copyOf(vertices);
        Map<Digest, Vertex> seen = new LinkedHashMap<>();
        for (Vertex v : vertices) {
            for (Edge e : v.inputs()) {
                if (!seen.containsKey(e.vertex())) {
                    throw new IllegalArgumentException("vertex " + v.digest() + " reads " + e.vertex()
                            + " which is not listed before it");
                }
            }
            seen.putIfAbsent(v.digest(), v);
        }
        if (root.isPresent() && !seen.containsKey(root.get().vertex())) {
            throw new IllegalArgumentException("root " + root.get() + " is not a vertex of the definition");
        }
    }

    /** Vertices by digest, in definition order. */
    public Map<Digest, Vertex> byDigest() {
        Map<Digest, Vertex> m = new LinkedHashMap<>();
        for (Vertex v : vertices) {
            m.putIfAbsent(v.digest(), v);
        }
        return m;
    }

    public Vertex vertex(Digest d) {
        Vertex v = byDigest().get(d);
        if (v == null) {
            throw new IllegalArgumentException("no vertex " + d);
        }
        return v;
    }
}
