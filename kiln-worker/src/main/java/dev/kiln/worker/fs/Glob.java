package dev.kiln.worker.fs;

import java.util.regex.Pattern;

/**
 * Go's {@code filepath.Match} patterns, as COPY and ADD sources use them: {@code *} matches
 * any run of characters but {@code /}, {@code ?} one character but {@code /},
 * {@code [a-z]}/{@code [^a-z]} a class, {@code \} escapes.
 */
public final class Glob {
    private Glob() {}

    /** Whether the string has a pattern character and so must be expanded. */
    public static boolean hasMeta(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    public static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append("[^/]*");
                case '?' -> re.append("[^/]");
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                    } else {
                        throw new IllegalArgumentException("syntax error in pattern: " + glob);
                    }
                }
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new IllegalArgumentException("syntax error in pattern: " + glob);
                    }
                    String cls = glob.substring(i + 1, end);
                    if (cls.startsWith("^")) {
                        cls = "^" + cls.substring(1).replace("\\", "\\\\").replace("[", "\\[");
                    } else {
                        cls = cls.replace("\\", "\\\\").replace("[", "\\[");
                    }
                    re.append('[').append(cls).append(']');
                    i = end;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
