package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.worker.gc.PruneOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The garbage collection of a state dir, as BuildKit's GC policy: the engine applies it after
 * the last running build ends and, when {@code interval} is set, also on a timer while no build
 * runs ({@link EngineStorage}). Images in the local store and what they need are never touched,
 * nor is anything a running build uses.
 *
 * <ul>
 *   <li>{@code keepStorage} only: once the reclaimable records add up to more than that many
 *       bytes, the least recently used go until the state dir fits again.</li>
 *   <li>{@code keepDuration} only: records unused for longer than that go.</li>
 *   <li>both: only records unused for longer than {@code keepDuration} may go, least recently
 *       used first, and only while the state dir is over {@code keepStorage}.</li>
 *   <li>neither: GC is off ({@link #DISABLED}).</li>
 * </ul>
 *
 * <p>Daemonless, the policy comes from {@code KILN_GC_KEEP_STORAGE} (a size such as
 * {@code 20GB}, or {@code 0} for none) and {@code KILN_GC_KEEP_DURATION} ({@code 48h},
 * {@code 7d}); without either, {@code keepStorage} is 10% of the file system that holds the
 * state dir, at least 2 GB and at most 100 GB, as the reference's default policy. kilnd reads
 * its {@code [gc]} table instead.
 *
 * @param keepStorage  bytes the state dir may hold before records are collected (0: no cap)
 * @param keepDuration records used more recently than this are kept (zero: age does not matter)
 * @param interval     how often to collect while idle, besides after builds (zero: only after builds)
 */
public record GcPolicy(long keepStorage, Duration keepDuration, Duration interval) {
    /** No garbage collection. */
    public static final GcPolicy DISABLED = new GcPolicy(0, Duration.ZERO, Duration.ZERO);
    private static final long MIN_DEFAULT = 2L << 30;
    private static final long MAX_DEFAULT = 100L << 30;

    public GcPolicy {
        keepDuration = keepDuration == null ? Duration.ZERO : keepDuration;
        interval = interval == null ? Duration.ZERO : interval;
        if (keepStorage < 0 || keepDuration.isNegative() || interval.isNegative()) {
            throw new IllegalArgumentException("GC settings must not be negative");
        }
        if (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("GC interval must be at least 1s");
        }
    }

    /** A cap on storage only, collected after builds. */
    public GcPolicy(long keepStorage) {
        this(keepStorage, Duration.ZERO, Duration.ZERO);
    }

    /** Whether anything is ever collected. */
    public boolean enabled() {
        return keepStorage > 0 || !keepDuration.isZero();
    }

    /** What one collection removes, as {@code kiln prune} options. */
    public PruneOptions pruneOptions() {
        return new PruneOptions(true, keepStorage, keepDuration, Set.of());
    }

    /** The same policy, also collected every {@code every} while idle (zero: only after builds). */
    public GcPolicy withInterval(Duration every) {
        return new GcPolicy(keepStorage, keepDuration, every);
    }

    /** The policy for a state dir, from {@code KILN_GC_KEEP_STORAGE} and {@code KILN_GC_KEEP_DURATION}, or the default. */
    public static GcPolicy forStateDir(Path stateDir) {
        return forStateDir(stateDir, System.getenv("KILN_GC_KEEP_STORAGE"), System.getenv("KILN_GC_KEEP_DURATION"));
    }

    static GcPolicy forStateDir(Path stateDir, String keepStorage) {
        return forStateDir(stateDir, keepStorage, null);
    }

    static GcPolicy forStateDir(Path stateDir, String keepStorage, String keepDuration) {
        Duration duration = Duration.ZERO;
        if (keepDuration != null && !keepDuration.isBlank()) {
            try {
                duration = PruneOptions.parseDuration(keepDuration);
            } catch (IllegalArgumentException e) {
                throw new KilnException("KILN_GC_KEEP_DURATION: " + e.getMessage());
            }
        }
        if (keepStorage != null && !keepStorage.isBlank()) {
            try {
                return new GcPolicy(PruneOptions.parseSize(keepStorage), duration, Duration.ZERO);
            } catch (IllegalArgumentException e) {
                throw new KilnException("KILN_GC_KEEP_STORAGE: " + e.getMessage());
            }
        }
        return new GcPolicy(duration.isZero() ? defaultKeepStorage(stateDir) : 0, duration, Duration.ZERO);
    }

    /** 10% of the file system that holds {@code stateDir}, at least 2 GB and at most 100 GB. */
    public static long defaultKeepStorage(Path stateDir) {
        try {
            long fs = Files.getFileStore(Files.exists(stateDir) ? stateDir : stateDir.toAbsolutePath().getRoot())
                    .getTotalSpace();
            return Math.clamp(fs / 10, MIN_DEFAULT, MAX_DEFAULT);
        } catch (IOException e) {
            return MIN_DEFAULT;
        }
    }
}
