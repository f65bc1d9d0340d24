package dev.kiln.dockerfile.instructions;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean ...?" hints: the closest candidate within an edit distance of 2, as BuildKit's
 * {@code suggest} package (optionally case-insensitive, answer in the case the user wrote), but
 * counting a swap of two neighbouring letters as one edit and breaking ties by name order so the
 * hint is deterministic. Stateless.
 */
final class Suggestions {
    private Suggestions() {
    }

    /** The closest candidate to {@code value}, or empty when none is close or {@code value} is itself a candidate. */
    static Optional<String> closest(String value, Collection<String> candidates, boolean caseSensitive) {
        String val = caseSensitive ? value : value.toLowerCase(Locale.ROOT);
        String match = null;
        int min = 3;
        for (String candidate : candidates.stream().sorted().toList()) {
            String opt = caseSensitive ? candidate : candidate.toLowerCase(Locale.ROOT);
            if (val.equals(opt)) {
                return Optional.empty();
            }
            int d = distance(val, opt);
            if (d < min) {
                min = d;
                match = caseSensitive ? opt : matchCase(opt, value);
            }
        }
        return Optional.ofNullable(match);
    }

    /** {@code message} followed by " (did you mean X?)" when a candidate is close. */
    static String withHint(String message, String value, Collection<String> candidates, boolean caseSensitive, String prefix) {
        return closest(value, candidates, caseSensitive)
                .map(m -> message + " (did you mean " + prefix + m + "?)")
                .orElse(message);
    }

    private static String matchCase(String val, String orig) {
        if (orig.equals(orig.toLowerCase(Locale.ROOT))) {
            return val.toLowerCase(Locale.ROOT);
        }
        if (orig.equals(orig.toUpperCase(Locale.ROOT))) {
            return val.toUpperCase(Locale.ROOT);
        }
        return val;
    }

    /** Optimal-string-alignment distance: Levenshtein plus swaps of neighbours ({@code form}/{@code from} is 1). */
    static int distance(String a, String b) {
        int[] x = a.codePoints().toArray();
        int[] y = b.codePoints().toArray();
        int[][] d = new int[x.length + 1][y.length + 1];
        for (int i = 0; i <= x.length; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= y.length; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= x.length; i++) {
            for (int j = 1; j <= y.length; j++) {
                int cost = x[i - 1] == y[j - 1] ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1]) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[x.length][y.length];
    }
}
