package dev.kiln.solver;

import dev.kiln.common.progress.ProgressSink;
import dev.kiln.llb.Vertex;
import dev.kiln.session.Session;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One build as the solver and the worker see it: its id, the client session (context files,
 * secrets, credentials), where progress goes, and which vertices must not be served from the
 * cache ({@code --no-cache}, {@code --no-cache-filter}).
 */
public record JobContext(String id, Session session, ProgressSink progress, Predicate<Vertex> noCache) {
    public JobContext {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(session, "session");
        progress = progress == null ? ProgressSink.DISCARD : progress;
        noCache = noCache == null ? v -> false : noCache;
    }
}
