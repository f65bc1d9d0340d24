package dev.kiln.dockerfile.instructions;

import java.math.BigDecimal;
import java.time.Duration;

/** Go's {@code time.ParseDuration} ({@code 1h30m}, {@code 1.5s}, {@code 300ms}, {@code 0}). Stateless. */
final class GoDuration {
    private GoDuration() {
    }

    static Duration parse(String s) {
        String orig = s;
        int i = 0;
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == s.length()) {
            throw invalid(orig);
        }
        BigDecimal nanos = BigDecimal.ZERO;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) && s.charAt(i) < 0x80 || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw invalid(orig);
            }
            int unitStart = i;
            while (i < s.length() && !(Character.isDigit(s.charAt(i)) && s.charAt(i) < 0x80) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(unitStart, i);
            long scale = switch (unit) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "" -> throw new IllegalArgumentException("time: missing unit in duration \"" + orig + "\"");
                default -> throw new IllegalArgumentException("time: unknown unit \"" + unit + "\" in duration \"" + orig + "\"");
            };
            String normalized = number.startsWith(".") ? "0" + number : number.endsWith(".") ? number + "0" : number;
            nanos = nanos.add(new BigDecimal(normalized).multiply(BigDecimal.valueOf(scale)));
        }
        long total = nanos.longValue();
        return Duration.ofNanos(negative ? -total : total);
    }

    private static IllegalArgumentException invalid(String s) {
        return new IllegalArgumentException("time: invalid duration \"" + s + "\"");
    }
}
