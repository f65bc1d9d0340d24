package dev.kiln.engine;

import dev.kiln.common.KilnException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * The exclusive lock an engine holds on its state directory ({@code STATE/lock}, an
 * {@code flock}): a second {@code kiln build} on the same state dir waits for the first to
 * finish rather than corrupting it. The kernel drops the lock when the process dies, so a
 * killed build never leaves the state dir locked.
 *
 * <p>Why a whole-engine lock and not finer sharing: the database ({@code kiln.db}, WAL, busy
 * timeout) and the content store (temp-then-rename) could be shared by two processes today, but
 * the overlay snapshotter keeps its metadata as one file that each instance holds in memory and
 * rewrites whole on every change, under its own exclusive lock; two processes would overwrite
 * each other's snapshots. The start-up sweep (leftover mounts, active snapshots, containers) is
 * also only safe when no other process is running steps. Until snapshot metadata moves into
 * {@code kiln.db} and the sweep is limited to what dead processes left (per-process leases),
 * the second process waits. Work is still shared: it starts after the first has recorded its
 * steps, so a step both builds need runs once (see {@code SolverIT}).
 */
final class StateLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, calling {@code waiting} once if another process holds it, then blocking. */
    static StateLock acquire(Path stateDir, Consumer<String> waiting) {
        try {
            Files.createDirectories(stateDir);
            FileChannel ch = FileChannel.open(stateDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                waiting.accept("waiting for another kiln process using " + stateDir);
                l = ch.lock();
            }
            return new StateLock(ch, l);
        } catch (OverlappingFileLockException e) {
            throw new KilnException("state dir " + stateDir + " is already open in this process", e);
        } catch (IOException e) {
            throw new KilnException("cannot lock state dir " + stateDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
