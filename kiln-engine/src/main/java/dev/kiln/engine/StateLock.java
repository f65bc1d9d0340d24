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
