package dev.kiln.daemon.context;

import dev.kiln.common.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's context copies, one per client context key, under {@code STATE/contexts/}.
 * Keys are hashed into directory names, so a client cannot choose a path. Thread-safe; lives
 * as long as the daemon.
 */
public final class ContextStore {
    private final Path root;
    private final Map<String, ContextCopy> copies = new HashMap<>();

    public ContextStore(Path root) throws IOException {
        this.root = Files.createDirectories(root);
        dev.kiln.common.files.FileTrees.deleteRecursively(root.resolve(".trash"));
        dev.kiln.common.files.FileTrees.deleteRecursively(root.resolve(".scratch"));
    }

    /**
     * A directory for files a build stages on the daemon's way to the client (a local cache
     * export), on the same file system as the copies; emptied when the daemon starts.
     */
    public Path scratch() throws IOException {
        return Files.createDirectories(root.resolve(".scratch"));
    }

    /** The copy for {@code key} (created empty on first use). */
    public synchronized ContextCopy copy(String key) throws IOException {
        String name = Digest.sha256(key.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 32);
        ContextCopy c = copies.get(name);
        if (c == null) {
            c = new ContextCopy(Files.createDirectories(root.resolve(name)));
            copies.put(name, c);
        }
        return c;
    }

    /** An empty directory, the context of builds whose client offers none. */
    public Path emptyDir() {
        return root.resolve(".empty");
    }

    /** The bytes all copies take on disk. */
    public long size() throws IOException {
        return DirSize.of(root);
    }

    /**
     * Removes the copies that no build is using and that were not synced within {@code keep}.
     *
     * @return the bytes freed
     */
    public synchronized long prune(Duration keep) throws IOException {
        Instant cutoff = Instant.now().minus(keep);
        long freed = 0;
        List<Path> dirs;
        try (var s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
        for (Path d : new ArrayList<>(dirs)) {
            String name = d.getFileName().toString();
            ContextCopy c = copies.computeIfAbsent(name, n -> new ContextCopy(d));
            if (!c.lock().writeLock().tryLock()) {
                continue;
            }
            try {
                if (c.lastSynced().toInstant().isAfter(cutoff)) {
                    continue;
                }
                long size = DirSize.of(d);
                dev.kiln.common.files.FileTrees.deleteRecursively(d);
                copies.remove(name);
                freed += size;
            } finally {
                c.lock().writeLock().unlock();
            }
        }
        return freed;
    }
}
