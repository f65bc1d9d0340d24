package dev.kiln.solver;

import dev.kiln.common.Digest;
import dev.kiln.llb.Vertex;
import java.util.List;
import java.util.Objects;

/**
 * One cacheable step of a finished solve, as the cache exporter needs it: the vertex, the
 * cache key the solver computed for it (the same on any machine given the same definition and
 * context content), and the results it had, whether run, found in the local cache or imported.
 * Only steps whose key and results were both known when the solve ended are reported.
 */
public record SolvedStep(Vertex vertex, Digest key, List<Result> results) {
    public SolvedStep {
        Objects.requireNonNull(vertex, "vertex");
        Objects.requireNonNull(key, "key");
        results = List.copyOf(results);
    }
}
