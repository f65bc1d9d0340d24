package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.worker.gc.PruneOptions;
import dev.kiln.worker.gc.StateStorage;
import dev.kiln.worker.gc.StorageRecord;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * {@code kiln du}, {@code kiln prune} and the GC after builds, kept apart from running builds:
 * builds share a read lock, listing and pruning take the write lock, so a prune never removes
 * a snapshot that a build of this engine has just committed and is about to use. (Other
 * processes cannot interfere: the engine holds the state dir's lock.) After the last running
 * build ends, the {@link GcPolicy} is applied; with a policy interval, a timer (a virtual
 * thread) also applies it while no build runs, and skips a tick when one does, so a collection
 * never runs beside a build.
 *
 * <p>One per engine; thread-safe. {@link #close()} stops the timer.
 */
public final class EngineStorage implements AutoCloseable {
    private final StateStorage storage;
    private final GcPolicy policy;
    private final Consumer<String> notices;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final Thread timer;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);

    EngineStorage(StateStorage storage, GcPolicy policy) {
        this(storage, policy, message -> { });
    }

    /** @param notices told what each timed collection removed, and why one failed */
    EngineStorage(StateStorage storage, GcPolicy policy, Consumer<String> notices) {
        this.storage = storage;
        this.policy = policy;
        this.notices = notices;
        this.timer = policy.enabled() && !policy.interval().isZero()
                ? Thread.ofVirtual().name("kiln-gc").start(this::runTimer) : null;
    }

    private void runTimer() {
        while (true) {
            try {
                if (closing.await(policy.interval().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            try {
                List<StorageRecord> removed = collect();
                if (!removed.isEmpty()) {
                    notices.accept("kiln: garbage collection removed " + removed.size() + " record(s), "
                            + PruneOptions.formatSize(StateStorage.total(removed)));
                }
            } catch (RuntimeException e) {
                notices.accept("kiln: garbage collection of the state dir failed: " + e.getMessage());
            }
        }
    }

    /**
     * Applies the GC policy now unless a build is running (then nothing happens: the end of the
     * last build applies it). Returns what was removed.
     */
    public List<StorageRecord> collect() {
        if (!policy.enabled() || !gate.writeLock().tryLock()) {
            return List.of();
        }
        try {
            return collectLocked();
        } catch (IOException e) {
            throw new KilnException("garbage collection failed: " + e.getMessage(), e);
        } finally {
            gate.writeLock().unlock();
        }
    }

    private List<StorageRecord> collectLocked() throws IOException {
        if (policy.keepStorage() > 0 && StateStorage.total(storage.usage()) <= policy.keepStorage()) {
            return List.of();
        }
        return storage.prune(policy.pruneOptions());
    }

    public GcPolicy policy() {
        return policy;
    }

    /** Every record in the state dir ({@code kiln du}). */
    public List<StorageRecord> usage() {
        gate.writeLock().lock();
        try {
            return storage.usage();
        } catch (IOException e) {
            throw new KilnException("cannot read the state dir's usage: " + e.getMessage(), e);
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Removes what the options select; returns the removed records ({@code kiln prune}). */
    public List<StorageRecord> prune(PruneOptions options) {
        gate.writeLock().lock();
        try {
            return storage.prune(options);
        } catch (IOException e) {
            throw new KilnException("prune failed: " + e.getMessage(), e);
        } finally {
            gate.writeLock().unlock();
        }
    }

    void buildStarted() {
        gate.readLock().lock();
    }

    /** As {@link #buildFinished(dev.kiln.common.progress.ProgressSink)}, with GC failures not reported. */
    List<StorageRecord> buildFinished() {
        return buildFinished(dev.kiln.common.progress.ProgressSink.DISCARD);
    }

    /**
     * Ends a build; if no other build runs, applies the GC policy. Returns what it removed. A
     * failing collection does not fail the build: it is reported on {@code progress} as a
     * warning, and the next build tries again.
     */
    List<StorageRecord> buildFinished(dev.kiln.common.progress.ProgressSink progress) {
        gate.readLock().unlock();
        if (!policy.enabled() || !gate.writeLock().tryLock()) {
            return List.of();
        }
        try {
            return collectLocked();
        } catch (IOException | RuntimeException e) {
            progress.accept(new dev.kiln.common.progress.ProgressEvent.Warning("",
                    "garbage collection of the state dir failed: " + e.getMessage(), java.time.Instant.now()));
            return List.of();
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Stops the timer (a collection in progress finishes first). */
    @Override
    public void close() {
        closing.countDown();
        if (timer != null) {
            try {
                timer.join(java.time.Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
