package dev.kiln.daemon.server;

import dev.kiln.daemon.api.BuildRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recent builds: the running ones and the last {@code keep} finished ones with their status,
 * duration, image digest, error and last output lines. Finished records are saved to
 * {@code STATE/daemon/history} (length-delimited protobuf, temp then rename) so they survive
 * a restart; running ones live in memory only. Thread-safe.
 */
final class BuildHistory {
    private final Path file;
    private final int keep;
    private final Map<String, BuildRecord> running = new LinkedHashMap<>();
    private final Deque<BuildRecord> finished = new ArrayDeque<>();

    BuildHistory(Path file, int keep) {
        this.file = file;
        this.keep = keep;
        load();
    }

    synchronized void started(BuildRecord r) {
        running.put(r.getRef(), r);
    }

    synchronized void finished(BuildRecord r) {
        running.remove(r.getRef());
        finished.addFirst(r);
        while (finished.size() > keep) {
            finished.removeLast();
        }
        save();
    }

    synchronized int runningCount() {
        return running.size();
    }

    /** The running builds, then the finished ones, newest first, at most {@code limit} (0: all kept). */
    synchronized List<BuildRecord> list(int limit) {
        List<BuildRecord> out = new ArrayList<>(running.values().stream().toList().reversed());
        out.addAll(finished);
        return limit > 0 && out.size() > limit ? out.subList(0, limit) : out;
    }

    private void load() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            BuildRecord r;
            while ((r = BuildRecord.parseDelimitedFrom(in)) != null && finished.size() < keep) {
                finished.addLast(r);
            }
        } catch (IOException e) {
            // a torn history is not worth failing the daemon for; start a new one
            finished.clear();
        }
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                for (BuildRecord r : finished) {
                    r.writeDelimitedTo(out);
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("kilnd: cannot save build history: " + e.getMessage());
        }
    }
}
