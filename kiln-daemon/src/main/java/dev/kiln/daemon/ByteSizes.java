package dev.kiln.daemon;

import java.util.Locale;

/**
 * Byte counts as people read them, the way the reference prints transfers
 * ({@code 12.3kB}, {@code 2.1MB}: decimal units, three significant digits), and back.
 */
public final class ByteSizes {
    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

    private ByteSizes() {}

    public static String format(long bytes) {
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < UNITS.length - 1) {
            v /= 1000;
            u++;
        }
        if (u == 0) {
            return bytes + "B";
        }
        String n = v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        if (n.contains(".")) {
            n = n.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return n + UNITS[u];
    }

    /** Parses what {@link #format} prints (approximately: three significant digits). */
    public static long parse(String text) {
        String t = text.strip();
        for (int u = UNITS.length - 1; u >= 0; u--) {
            if (t.endsWith(UNITS[u]) && (u > 0 || Character.isDigit(t.charAt(t.length() - 2)))) {
                double v = Double.parseDouble(t.substring(0, t.length() - UNITS[u].length()));
                return Math.round(v * Math.pow(1000, u));
            }
        }
        throw new IllegalArgumentException("not a byte size: " + text);
    }
}
