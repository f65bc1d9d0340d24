package dev.kiln.daemon.server;

import dev.kiln.daemon.context.ContextStore;
import dev.kiln.engine.Engine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the services of one daemon share: the engine, the context copies, the attached
 * sessions, the progress traces, the history and the set of running builds, with the gate
 * that stops admitting builds when the daemon drains. Created by {@link Kilnd}; lives as long
 * as the daemon.
 */
final class DaemonState {
    private final Engine engine;
    private final ContextStore contexts;
    private final SessionRegistry sessions = new SessionRegistry();
    private final BuildHistory history;
    private final DaemonMetrics metrics = new DaemonMetrics();
    private final BuildTraces traces = new BuildTraces(60, metrics);
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final Consumer<String> log;
    private final Instant startedAt = Instant.now();
    private final List<String> listening = new CopyOnWriteArrayList<>();
    private final Set<String> allowedEntitlements;
    private int active;
    private boolean draining;

    DaemonState(Engine engine, ContextStore contexts, BuildHistory history, Set<String> allowedEntitlements,
                Consumer<String> log) {
        this.allowedEntitlements = Set.copyOf(allowedEntitlements);
        this.engine = engine;
        this.contexts = contexts;
        this.history = history;
        this.log = log;
        metrics.gauges(this::active, sessions::size);
        metrics.diskUsage(() -> DaemonMetrics.diskUsed(engine, contexts));
        metrics.registryTotals(() -> engine.registryTotals().pulledBytes(), () -> engine.registryTotals().pushedBytes());
    }

    DaemonMetrics metrics() {
        return metrics;
    }

    Set<String> allowedEntitlements() {
        return allowedEntitlements;
    }

    Engine engine() {
        return engine;
    }

    ContextStore contexts() {
        return contexts;
    }

    SessionRegistry sessions() {
        return sessions;
    }

    BuildTraces traces() {
        return traces;
    }

    BuildHistory history() {
        return history;
    }

    Instant startedAt() {
        return startedAt;
    }

    List<String> listening() {
        return listening;
    }

    String version() {
        String v = DaemonState.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    void log(String message) {
        log.accept(message);
    }

    /** Counts a new build in, unless the daemon is draining. */
    synchronized boolean admit() {
        if (draining) {
            return false;
        }
        active++;
        return true;
    }

    synchronized void done() {
        active--;
        notifyAll();
    }

    void track(Thread t) {
        running.add(t);
        Thread.ofVirtual().start(() -> {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.remove(t);
            }
        });
    }

    synchronized int active() {
        return active;
    }

    /**
     * Stops admitting builds, waits up to {@code grace} for the running ones, then interrupts
     * what is left and waits up to {@code cancelWait} for it to stop.
     *
     * @return the builds still running at the end (0 when all ended)
     */
    int drain(Duration grace, Duration cancelWait) throws InterruptedException {
        synchronized (this) {
            draining = true;
            long deadline = System.nanoTime() + grace.toNanos();
            while (active > 0 && System.nanoTime() < deadline) {
                wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            if (active == 0) {
                return 0;
            }
            log.accept("kilnd: grace period over, cancelling " + active + " build(s)");
        }
        running.forEach(Thread::interrupt);
        synchronized (this) {
            long deadline = System.nanoTime() + cancelWait.toNanos();
            while (active > 0 && System.nanoTime() < deadline) {
                wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            return active;
        }
    }
}
