package dev.kiln.dockerfile.shell;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wildcard patterns of {@code ${V#p}}, {@code ${V%p}} and {@code ${V/p/r}}: {@code ?} is one
 * character, {@code *} any run (shortest or longest), {@code \*}, {@code \?}, {@code \\} are
 * literal. Bracket expressions are not supported (as in BuildKit). Package-private helper of
 * {@link ShellLex}; stateless.
 */
final class ShellPattern {
    private ShellPattern() {
    }

    /** Translates a shell wildcard pattern into a regular expression with Go's RE2 meaning. */
    static Pattern toRegex(String pattern, boolean greedy, boolean anchored) {
        int[] cps = pattern.codePoints().toArray();
        StringBuilder out = new StringBuilder(pattern.length() + 4);
        if (anchored) {
            out.append('^');
        }
        String star = greedy ? ".*" : ".*?";
        for (int i = 0; i < cps.length; i++) {
            int tok = cps[i];
            switch (tok) {
                case '*' -> {
                    out.append(star);
                    continue;
                }
                case '?' -> {
                    out.append('.');
                    continue;
                }
                case '\\' -> {
                    int peek = i + 1 < cps.length ? cps[i + 1] : -1;
                    if (peek == '}' || peek == '/') {
                        continue; // the escape protected a delimiter of ${}, it is not part of the pattern
                    }
                    out.append('\\');
                    i++;
                    if (peek != '*' && peek != '?' && peek != '\\') {
                        throw new ShellExpansionException("invalid pattern (" + pattern + ") in substitution: invalid escape '\\"
                                + (peek < 0 ? "" : Character.toString(peek)) + "'");
                    }
                }
                case '[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$' -> out.append('\\');
                default -> {
                }
            }
            out.appendCodePoint(cps[i]);
        }
        // UNIX_LINES: like RE2, '.' excludes only '\n'
        return Pattern.compile(out.toString(), Pattern.UNIX_LINES);
    }

    /** {@code ${value#pattern}} / {@code ${value##pattern}}. */
    static String trimPrefix(String pattern, String value, boolean greedy) {
        Matcher m = toRegex(pattern, greedy, true).matcher(value);
        return m.find() ? value.substring(m.end()) : value;
    }

    /** {@code ${value%pattern}} / {@code ${value%%pattern}}: a prefix trim on the reversed strings. */
    static String trimSuffix(String pattern, String value, boolean greedy) {
        return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
    }

    /** Reverses a pattern, keeping each {@code \x} escape pair in order. */
    static String reversePattern(String pattern) {
        int[] in = pattern.codePoints().toArray();
        int[] out = new int[in.length];
        int last = in.length - 1;
        for (int i = 0; i <= last; ) {
            int outIdx = last - i;
            if (in[i] == '\\' && i != last) {
                out[outIdx - 1] = in[i];
                out[outIdx] = in[i + 1];
                i += 2;
            } else {
                out[outIdx] = in[i];
                i++;
            }
        }
        return new String(out, 0, out.length);
    }

    static String reverse(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0, j = cps.length - 1; i < j; i++, j--) {
            int t = cps[i];
            cps[i] = cps[j];
            cps[j] = t;
        }
        return new String(cps, 0, cps.length);
    }

    /** {@code ${value/pattern/repl}} (first) or {@code ${value//pattern/repl}} (all). */
    static String replace(String value, String pattern, String replacement, boolean all) {
        Pattern re = toRegex(pattern, true, false);
        Matcher m = re.matcher(value);
        if (!all) {
            return m.find() ? value.substring(0, m.start()) + replacement + value.substring(m.end()) : value;
        }
        // Go's ReplaceAllString: an empty match right after a match is not replaced, the
        // replacement template understands $0 / ${0} / $$.
        StringBuilder out = new StringBuilder();
        int lastMatchEnd = 0;
        int searchPos = 0;
        int end = value.length();
        while (searchPos <= end && m.find(searchPos)) {
            int start = m.start();
            int stop = m.end();
            out.append(value, lastMatchEnd, start);
            if (stop > lastMatchEnd || start == 0) {
                expandTemplate(out, replacement, m.group());
            }
            lastMatchEnd = stop;
            int width = searchPos < end ? Character.charCount(value.codePointAt(searchPos)) : 1;
            if (searchPos + width > stop) {
                searchPos += width;
            } else if (searchPos + 1 > stop) {
                searchPos++;
            } else {
                searchPos = stop;
            }
        }
        out.append(value, Math.min(lastMatchEnd, end), end);
        return out.toString();
    }

    /** Go's regexp template expansion for a regex with no capture groups. */
    private static void expandTemplate(StringBuilder out, String template, String whole) {
        int i = 0;
        int n = template.length();
        while (i < n) {
            int dollar = template.indexOf('$', i);
            if (dollar < 0) {
                out.append(template, i, n);
                return;
            }
            out.append(template, i, dollar);
            i = dollar + 1;
            if (i < n && template.charAt(i) == '$') {
                out.append('$');
                i++;
                continue;
            }
            String name;
            int rest;
            if (i < n && template.charAt(i) == '{') {
                int close = template.indexOf('}', i + 1);
                name = close < 0 ? "" : template.substring(i + 1, close);
                if (!isWordName(name)) {
                    out.append('$');
                    continue;
                }
                rest = close + 1;
            } else {
                int j = i;
                while (j < n && isWordChar(template.codePointAt(j))) {
                    j += Character.charCount(template.codePointAt(j));
                }
                name = template.substring(i, j);
                if (name.isEmpty()) {
                    out.append('$');
                    continue;
                }
                rest = j;
            }
            if (name.chars().allMatch(c -> c >= '0' && c <= '9') && name.replaceFirst("^0+(?=.)", "").equals("0")) {
                out.append(whole);
            }
            i = rest;
        }
    }

    private static boolean isWordName(String s) {
        return !s.isEmpty() && s.codePoints().allMatch(ShellPattern::isWordChar);
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetter(cp) || Character.isDigit(cp) || cp == '_';
    }
}
