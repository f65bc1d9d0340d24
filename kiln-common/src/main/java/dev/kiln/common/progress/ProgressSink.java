package dev.kiln.common.progress;

/**
 * Receives {@link ProgressEvent}s from any thread. Implementations must be thread-safe and
 * must not block for long: the solver calls them from the threads that run ops.
 */
@FunctionalInterface
public interface ProgressSink {
    ProgressSink DISCARD = event -> {};

    void accept(ProgressEvent event);
}
