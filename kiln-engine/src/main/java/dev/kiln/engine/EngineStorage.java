package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.worker.gc.PruneOptions;
import dev.kiln.worker.gc.StateStorage;
import dev.kiln.worker.gc.StorageRecord;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@code kiln du}, {@code kiln prune} and the GC after builds, kept apart from running builds:
 * builds share a read lock, listing and pruning take the write lock, so a prune never removes
 * a snapshot that a build of this engine has just committed and is about to use. (Other
 * processes cannot interfere: the engine holds the state dir's lock.) After the last running
 * build ends, the {@link GcPolicy} is applied if the state dir is over its cap.
 *
 * <p>One per engine; thread-safe.
 */
public final class EngineStorage {
    private final StateStorage storage;
    private final GcPolicy policy;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();

    EngineStorage(StateStorage storage, GcPolicy policy) {
        this.storage = storage;
        this.policy = policy;
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
            List<StorageRecord> all = storage.usage();
            if (StateStorage.total(all) <= policy.maxStorage()) {
                return List.of();
            }
            return storage.prune(PruneOptions.keepStorage(policy.maxStorage()));
        } catch (IOException | RuntimeException e) {
            progress.accept(new dev.kiln.common.progress.ProgressEvent.Warning("",
                    "garbage collection of the state dir failed: " + e.getMessage(), java.time.Instant.now()));
            return List.of();
        } finally {
            gate.writeLock().unlock();
        }
    }
}
