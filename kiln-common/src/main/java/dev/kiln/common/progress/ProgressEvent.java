package dev.kiln.common.progress;

import java.time.Instant;

/**
 * One thing that happened in a build, addressed to the progress display (plain, tty,
 * rawjson) and to the daemon's status stream. Vertices are identified by their digest
 * string; {@code name} is what the user sees ({@code [stage-1 2/4] RUN make}).
 */
public sealed interface ProgressEvent {
    String vertex();

    Instant time();

    /** The vertex is known to the build (it will run or be served from cache). */
    record Started(String vertex, String name, Instant time) implements ProgressEvent {}

    /** The vertex's result came from the cache; nothing ran. */
    record Cached(String vertex, String name, Instant time) implements ProgressEvent {}

    /** A line (or chunk) of the vertex's output; stream 1 is stdout, 2 stderr. */
    record Log(String vertex, int stream, byte[] data, Instant time) implements ProgressEvent {}

    /** The vertex finished; {@code error} is null on success. */
    record Completed(String vertex, String name, Instant started, Instant time, String error) implements ProgressEvent {}

    /** A transfer or other measurable sub-task of a vertex, e.g. {@code transferring context: 12kB}. */
    record Status(String vertex, String id, String message, long current, long total, boolean done, Instant time)
            implements ProgressEvent {}

    /** A warning about the build (a lint finding, a deprecated flag) not tied to a running vertex. */
    record Warning(String vertex, String message, Instant time) implements ProgressEvent {}
}
