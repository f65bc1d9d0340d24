package dev.kiln.worker.gc;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code kiln prune} removes. Without {@code all}, {@code keepStorage} or
 * {@code keepDuration} only dangling records go: snapshots no cache record names, blobs no
 * image and no layer record needs, cache records whose snapshot is gone. With {@code all},
 * every reclaimable record; {@code keepDuration} spares records used more recently than that;
 * {@code keepStorage} removes least recently used records first and stops once what remains
 * fits in that many bytes. {@code types} limits pruning to some record types (empty: all).
 * Records a stored image needs, or a running build uses, are never removed.
 */
public record PruneOptions(boolean all, long keepStorage, Duration keepDuration, Set<StorageRecord.Type> types) {
    private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgt]?i?b?)\\s*");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

    public PruneOptions {
        keepDuration = keepDuration == null ? Duration.ZERO : keepDuration;
        types = types == null || types.isEmpty() ? EnumSet.allOf(StorageRecord.Type.class) : EnumSet.copyOf(types);
        if (keepStorage < 0 || keepDuration.isNegative()) {
            throw new IllegalArgumentException("keep-storage and keep-duration must not be negative");
        }
        Objects.requireNonNull(types);
    }

    /** Dangling records only. */
    public static PruneOptions dangling() {
        return new PruneOptions(false, 0, Duration.ZERO, Set.of());
    }

    /** Least recently used first until at most {@code bytes} remain: the GC policy after builds. */
    public static PruneOptions keepStorage(long bytes) {
        return new PruneOptions(true, bytes, Duration.ZERO, Set.of());
    }

    /** Whether anything beyond dangling records may go. */
    public boolean beyondDangling() {
        return all || keepStorage > 0 || !keepDuration.isZero();
    }

    /**
     * Parses a size as Docker's tools write it: {@code 512}, {@code 10KB}, {@code 1.5GB},
     * {@code 2GiB}, {@code 100m}; units are powers of 1024.
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": want e.g. 512MB, 10GB");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        return (long) (n * mult);
    }

    /** Parses a Go-style duration: {@code 90s}, {@code 24h}, {@code 1h30m}, {@code 7d}. */
    public static Duration parseDuration(String text) {
        String t = text.strip();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                break;
            }
            end = m.end();
            double n = Double.parseDouble(m.group(1));
            long millis = (long) (n * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            });
            total = total.plusMillis(millis);
        }
        if (end != t.length() || end == 0) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": want e.g. 30m, 24h, 7d");
        }
        return total;
    }

    /** Bytes in the form {@code kiln du} prints them: {@code 0B}, {@code 12.3kB}, {@code 4.56MB}. */
    public static String formatSize(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        if (u == 0) {
            return bytes + "B";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v, units[u]);
    }
}
