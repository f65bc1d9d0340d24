package dev.kiln.llb;

import dev.kiln.common.Digest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Collects vertices as a frontend produces them and turns them into a {@link Definition}.
 * Adding the same op on the same inputs twice yields the same vertex. {@link #build} keeps
 * only what the root needs, so stages the target does not use are never in the graph.
 * Not thread-safe; one builder per conversion.
 */
public final class DefinitionBuilder {
    private final Map<Digest, Vertex> vertices = new LinkedHashMap<>();

    /** Adds a vertex (or finds the equal one) and returns its first output. */
    public Edge add(Op op, List<Edge> inputs, VertexMeta meta) {
        for (Edge e : inputs) {
            if (!vertices.containsKey(e.vertex())) {
                throw new IllegalArgumentException("input " + e + " was not added to this builder");
            }
        }
        Vertex v = Vertex.of(op, inputs, meta);
        Vertex existing = vertices.putIfAbsent(v.digest(), v);
        if (existing != null && meta.ignoreCache() && !existing.meta().ignoreCache()) {
            vertices.put(v.digest(), new Vertex(v.digest(), op, inputs, existing.meta().withIgnoreCache(true)));
        }
        return new Edge(v.digest(), 0);
    }

    /** The definition of everything {@code root} depends on, inputs before users. */
    public Definition build(Optional<Edge> root) {
        List<Vertex> ordered = new ArrayList<>();
        root.ifPresent(r -> visit(r.vertex(), new HashSet<>(), ordered));
        return new Definition(ordered, root);
    }

    private void visit(Digest d, Set<Digest> done, List<Vertex> out) {
        if (!done.add(d)) {
            return;
        }
        Vertex v = vertices.get(d);
        for (Edge e : v.inputs()) {
            visit(e.vertex(), done, out);
        }
        out.add(v);
    }
}
