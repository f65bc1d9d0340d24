package dev.kiln.dockerfile.convert;

import dev.kiln.common.files.RelativePaths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The .dockerignore patterns of the build context, as the frontend needs them for the
 * CopyIgnoredFile check: does a COPY/ADD source name a path the context will not contain?
 * Patterns follow Docker's rules ({@code *}, {@code ?}, {@code [..]}, {@code **} across
 * directories, {@code !} exceptions, the last matching pattern wins, a match of a parent
 * directory excludes its contents). Immutable.
 */
final class IgnoreRules {
    private record Rule(Pattern pattern, boolean exception) {}

    private final List<Rule> rules = new ArrayList<>();

    IgnoreRules(List<String> patterns) {
        for (String raw : patterns) {
            String p = raw.trim();
            boolean exception = p.startsWith("!");
            if (exception) {
                p = p.substring(1).trim();
            }
            p = RelativePaths.clean(p);
            if (!p.isEmpty()) {
                rules.add(new Rule(Pattern.compile(regex(p)), exception));
            }
        }
    }

    /** Whether the context path (relative or with a leading slash) is excluded. */
    boolean excludes(String path) {
        String p = RelativePaths.clean(path);
        if (p.isEmpty()) {
            return false;
        }
        boolean excluded = false;
        for (Rule r : rules) {
            if (matchesOrParent(r.pattern(), p)) {
                excluded = !r.exception();
            }
        }
        return excluded;
    }

    private static boolean matchesOrParent(Pattern pattern, String path) {
        String cur = path;
        while (true) {
            if (pattern.matcher(cur).matches()) {
                return true;
            }
            int slash = cur.lastIndexOf('/');
            if (slash < 0) {
                return false;
            }
            cur = cur.substring(0, slash);
        }
    }

    private static String regex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                    i++;
                    re.append("(?:.*/)?");
                } else {
                    re.append(".*");
                }
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '\\' && i + 1 < glob.length()) {
                re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            } else if (c == '[') {
                int end = glob.indexOf(']', i + 1);
                if (end < 0) {
                    re.append("\\[");
                } else {
                    String cls = glob.substring(i + 1, end).replace("\\", "\\\\");
                    re.append('[').append(cls.startsWith("^") || cls.startsWith("!") ? "^" + cls.substring(1) : cls).append(']');
                    i = end;
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
