package dev.kiln.llb;

import dev.kiln.common.Digest;
import java.util.List;
import java.util.Objects;

/**
 * A node of the build graph: an op, the edges it reads, and metadata. Its {@code digest} is
 * the SHA-256 of the canonical encoding of op and inputs (see {@link LlbCodec#vertexDigest}),
 * so two vertices that do the same thing on the same inputs are the same vertex.
 */
public record Vertex(Digest digest, Op op, List<Edge> inputs, VertexMeta meta) {
    public Vertex {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(op, "op");
        inputs = List.copyOf(inputs);
        meta = meta == null ? VertexMeta.NONE : meta;
    }

    /** Builds a vertex, computing its digest. */
    public static Vertex of(Op op, List<Edge> inputs, VertexMeta meta) {
        return new Vertex(LlbCodec.vertexDigest(op, inputs), op, inputs, meta);
    }

    public String name() {
        return meta.name().isEmpty() ? op.getClass().getSimpleName() + " " + digest.shortHex() : meta.name();
    }
}
