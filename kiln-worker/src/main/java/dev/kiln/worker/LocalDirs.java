package dev.kiln.worker;

import dev.kiln.session.IgnorePatterns;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client directories registered by local source ops for the duration of a job: the
 * directory the session offers and the .dockerignore rules that hide part of it. Readers
 * (COPY, content checksums) open them as {@link MountedTree}s that report the hidden paths.
 */
final class LocalDirs {
    private record Entry(Path dir, IgnorePatterns ignore) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** Registers the directory the job's session offers under {@code name}. */
    Result register(JobContext job, String name, List<String> excludePatterns) {
        Path dir = job.session().localDir(name);
        if (!Files.isDirectory(dir)) {
            throw new dev.kiln.common.KilnException("build context " + dir + " is not a directory");
        }
        Result r = Refs.local(job.id(), name);
        entries.put(r.ref(), new Entry(dir, IgnorePatterns.parse(String.join("\n", excludePatterns))));
        return r;
    }

    /** Forgets a job's directories once it ends. */
    void release(String jobId) {
        entries.keySet().removeIf(k -> k.startsWith("local:" + jobId + ":"));
    }

    MountedTree open(Result r) {
        Entry e = entries.get(r.ref());
        if (e == null) {
            throw new IllegalStateException("client directory " + r.ref() + " is not available (its job ended)");
        }
        return new MountedTree() {
            @Override
            public Path root() {
                return e.dir();
            }

            @Override
            public boolean excluded(String relativePath) {
                return e.ignore().excluded(relativePath);
            }

            @Override
            public boolean skipDirectory(String relativePath) {
                return e.ignore().canSkipDirectory(relativePath);
            }

            @Override
            public void close() {}
        };
    }
}
