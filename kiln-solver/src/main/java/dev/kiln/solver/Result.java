package dev.kiln.solver;

import java.util.Objects;

/**
 * The result of one output of a vertex, as the worker that made it names it: a committed
 * snapshot, a client directory, or {@link #EMPTY} for an empty file system. The solver only
 * passes results around and records them in the cache; it never looks inside.
 */
public record Result(String ref) {
    /** An empty file system ({@code FROM scratch}). */
    public static final Result EMPTY = new Result("empty:");

    public Result {
        Objects.requireNonNull(ref, "ref");
    }

    public boolean isEmpty() {
        return EMPTY.ref.equals(ref);
    }
}
