package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.worker.gc.PruneOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The garbage collection applied after builds: once the state dir's records add up to more
 * than {@code maxStorage} bytes, the least recently used reclaimable records are pruned until
 * they fit again (images in the local store and what they need are never touched). 0 turns
 * it off.
 *
 * <p>The cap comes from {@code KILN_GC_KEEP_STORAGE} (a size such as {@code 20GB}, or
 * {@code 0}); by default it is 10% of the file system that holds the state dir, at least
 * 2 GB and at most 100 GB, as the reference's default policy.
 */
public record GcPolicy(long maxStorage) {
    private static final long MIN_DEFAULT = 2L << 30;
    private static final long MAX_DEFAULT = 100L << 30;

    public GcPolicy {
        if (maxStorage < 0) {
            throw new IllegalArgumentException("negative GC cap");
        }
    }

    public boolean enabled() {
        return maxStorage > 0;
    }

    /** The policy for a state dir, from {@code KILN_GC_KEEP_STORAGE} or the default. */
    public static GcPolicy forStateDir(Path stateDir) {
        return forStateDir(stateDir, System.getenv("KILN_GC_KEEP_STORAGE"));
    }

    static GcPolicy forStateDir(Path stateDir, String setting) {
        if (setting != null && !setting.isBlank()) {
            try {
                return new GcPolicy(PruneOptions.parseSize(setting));
            } catch (IllegalArgumentException e) {
                throw new KilnException("KILN_GC_KEEP_STORAGE: " + e.getMessage());
            }
        }
        try {
            long fs = Files.getFileStore(Files.exists(stateDir) ? stateDir : stateDir.toAbsolutePath().getRoot())
                    .getTotalSpace();
            return new GcPolicy(Math.clamp(fs / 10, MIN_DEFAULT, MAX_DEFAULT));
        } catch (IOException e) {
            return new GcPolicy(MIN_DEFAULT);
        }
    }
}
