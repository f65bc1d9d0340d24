package dev.kiln.daemon.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The progress traces of running and just-finished builds, by ref. A Status call may come
 * before its Solve (the client opens it first so it misses nothing), so either creates the
 * trace. A trace is dropped {@code linger} seconds after its build ended, and a trace whose
 * build never started is ended and dropped after a minute, so memory does not grow with the
 * number of builds. Thread-safe; {@link #close} stops the timer.
 */
final class BuildTraces implements AutoCloseable {
    private final Map<String, BuildTrace> traces = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kilnd-traces");
        t.setDaemon(true);
        return t;
    });
    private final long lingerSeconds;

    private final DaemonMetrics metrics;

    BuildTraces(long lingerSeconds, DaemonMetrics metrics) {
        this.lingerSeconds = lingerSeconds;
        this.metrics = metrics;
    }

    BuildTrace get(String ref) {
        return traces.computeIfAbsent(ref, r -> {
            BuildTrace t = new BuildTrace(r, metrics);
            timer.schedule(() -> {
                if (!t.started()) {
                    t.finish();
                    traces.remove(r, t);
                }
            }, 60, TimeUnit.SECONDS);
            return t;
        });
    }

    /** Ends the trace's streams and drops it after the linger time. */
    void finished(BuildTrace t) {
        t.finish();
        timer.schedule(() -> traces.remove(t.ref(), t), lingerSeconds, TimeUnit.SECONDS);
    }

    int size() {
        return traces.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
