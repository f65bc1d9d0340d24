package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.llb.ExecMount;
import dev.kiln.solver.JobContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Directories for {@code RUN --mount=type=cache} under {@code STATE/cachemounts/}, one per
 * cache id, kept across builds and never part of a layer. {@code sharing=locked} serialises
 * users of one id; {@code shared} lets them overlap; {@code private} gives a user its own
 * directory when the shared one is busy.
 */
final class CacheMounts {
    private final Path root;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, Integer> users = new ConcurrentHashMap<>();

    CacheMounts(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    /**
     * The engine's transient mount directory, {@code STATE/mounts} (this class lives at
     * {@code STATE/cachemounts}), where a step's private mounts go so that the start-up sweep finds them.
     */
    Path mountRoot() {
        return root.getParent().resolve("mounts");
    }

    /** The directory name of the shared cache with this id (under {@code STATE/cachemounts}). */
    static String dirName(String id) {
        return Digest.sha256(id == null || id.isEmpty() ? "default" : id).shortHex();
    }

    /** A cache directory in use; close to release. */
    /** A cache directory in use; {@code created} when this acquisition made it (it is empty). */
    record Lease(Path dir, boolean created, Runnable release) implements AutoCloseable {
        @Override
        public void close() {
            release.run();
        }
    }

    Lease acquire(ExecMount.CacheOpt opt, JobContext job) throws IOException, InterruptedException {
        String id = opt == null || opt.id() == null || opt.id().isEmpty() ? "default" : opt.id();
        String dirName = dirName(id);
        ExecMount.CacheOpt.Sharing sharing = opt == null || opt.sharing() == null ? ExecMount.CacheOpt.Sharing.SHARED
                : opt.sharing();
        Path dir = root.resolve(dirName);
        if (sharing == ExecMount.CacheOpt.Sharing.PRIVATE && users.getOrDefault(dirName, 0) > 0) {
            dir = root.resolve(dirName + "-" + job.id());
        }
        boolean created = !Files.isDirectory(dir);
        Files.createDirectories(dir);
        if (created && opt != null) {
            Files.setAttribute(dir, "unix:mode", opt.mode() == 0 ? 0755 : opt.mode());
            Files.setAttribute(dir, "unix:uid", opt.uid());
            Files.setAttribute(dir, "unix:gid", opt.gid());
        }
        users.merge(dirName, 1, Integer::sum);
        if (sharing == ExecMount.CacheOpt.Sharing.LOCKED) {
            ReentrantLock lock = locks.computeIfAbsent(dirName, k -> new ReentrantLock());
            lock.lockInterruptibly();
            return new Lease(dir, created, () -> {
                users.merge(dirName, -1, Integer::sum);
                lock.unlock();
            });
        }
        return new Lease(dir, created, () -> users.merge(dirName, -1, Integer::sum));
    }
}
