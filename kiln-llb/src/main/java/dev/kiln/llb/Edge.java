package dev.kiln.llb;

import dev.kiln.common.Digest;

/** Output {@code index} of the vertex with digest {@code vertex}: how an op names an input. */
public record Edge(Digest vertex, int index) {
    public Edge {
        java.util.Objects.requireNonNull(vertex, "vertex");
        if (index < 0) {
            throw new IllegalArgumentException("negative output index");
        }
    }

    /** {@code sha256:HEX:INDEX}, the form used in encodings. */
    public String toFullString() {
        return vertex + ":" + index;
    }

    /** Parses {@link #toFullString()}. */
    public static Edge parseFull(String s) {
        int i = s.lastIndexOf(':');
        return new Edge(Digest.parse(s.substring(0, i)), Integer.parseInt(s.substring(i + 1)));
    }

    @Override
    public String toString() {
        return vertex.shortHex() + ":" + index;
    }
}
