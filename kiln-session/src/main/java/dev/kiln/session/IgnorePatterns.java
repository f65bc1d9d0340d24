package dev.kiln.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The patterns of a {@code .dockerignore} file and the decision whether a context path is left
 * out, with the semantics of moby's patternmatcher (as BuildKit and Docker apply them):
 *
 * <ul>
 *   <li>Lines starting with {@code #} are comments; blank lines are skipped; each pattern is
 *       trimmed, path-cleaned ({@code ./a//b/../c} is {@code a/c}) and a leading {@code /} dropped.</li>
 *   <li>{@code *} matches any run of characters but {@code /}, {@code ?} one such character,
 *       {@code [a-z]} / {@code [^a-z]} a character class, {@code \x} the character {@code x}, and
 *       {@code **} any number of directories (also none).</li>
 *   <li>A path is excluded when it <em>or one of its parent directories</em> matches a pattern;
 *       {@code !pattern} re-includes; the last matching pattern wins.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe once built. A context walk calls {@link #excluded} for each entry
 * and may skip a whole directory when {@link #canSkipDirectory} says nothing below it can be
 * re-included by an exception.
 */
public final class IgnorePatterns {
    private static final IgnorePatterns NONE = new IgnorePatterns(List.of());

    private final List<Rule> rules;
    private final boolean exceptions;

    private IgnorePatterns(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.exceptions = rules.stream().anyMatch(r -> r.exclusion);
    }

    /** No patterns: nothing is excluded. */
    public static IgnorePatterns none() {
        return NONE;
    }

    /**
     * Reads the text of a {@code .dockerignore} file.
     *
     * @throws IllegalArgumentException for a malformed pattern (bad character class, trailing
     *                                  {@code \}, a lone {@code !}), naming the line
     */
    public static IgnorePatterns parse(String text) {
        List<String> patterns = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.startsWith("#")) {
                continue;
            }
            String pattern = line.strip();
            if (pattern.isEmpty()) {
                continue;
            }
            boolean invert = pattern.charAt(0) == '!';
            if (invert) {
                pattern = pattern.substring(1).strip();
            }
            if (!pattern.isEmpty()) {
                pattern = cleanPath(pattern);
                if (pattern.length() > 1 && pattern.charAt(0) == '/') {
                    pattern = pattern.substring(1);
                }
            }
            patterns.add(invert ? "!" + pattern : pattern);
        }
        try {
            return of(patterns);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(".dockerignore: " + e.getMessage(), e);
        }
    }

    /** Builds a matcher from patterns already read (as BuildKit sends them: {@code !} for exceptions). */
    public static IgnorePatterns of(List<String> patterns) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : patterns) {
            String p = raw.strip();
            if (p.isEmpty()) {
                continue;
            }
            p = cleanPath(p);
            boolean exclusion = false;
            if (p.charAt(0) == '!') {
                if (p.length() == 1) {
                    throw new IllegalArgumentException("illegal exclusion pattern: \"!\"");
                }
                exclusion = true;
                p = p.substring(1);
            }
            validateGlob(p);
            rules.add(new Rule(p, exclusion));
        }
        return rules.isEmpty() ? NONE : new IgnorePatterns(rules);
    }

    /**
     * The ignore file for a build: {@code <Dockerfile-name>.dockerignore} beside the Dockerfile
     * when that file exists, else {@code <context>/.dockerignore} (which may not exist).
     */
    public static Path locate(Path contextDir, Path dockerfile) {
        if (dockerfile != null && dockerfile.getFileName() != null) {
            Path specific = dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
            if (Files.isRegularFile(specific)) {
                return specific;
            }
        }
        return contextDir.resolve(".dockerignore");
    }

    /** Reads the file {@link #locate} picks, or returns {@link #none()} when it does not exist. */
    public static IgnorePatterns load(Path contextDir, Path dockerfile) {
        Path file = locate(contextDir, dockerfile);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The patterns in order, exceptions prefixed with {@code !}. */
    public List<String> patterns() {
        return rules.stream().map(r -> r.exclusion ? "!" + r.pattern : r.pattern).toList();
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** True when some pattern is an exception ({@code !...}). */
    public boolean hasExceptions() {
        return exceptions;
    }

    /**
     * Whether {@code relativePath} (slash-separated, relative to the context root) is left out
     * of the context. The root itself ({@code .} or empty) is never excluded.
     */
    public boolean excluded(String relativePath) {
        String file = normalize(relativePath);
        if (file.equals(".")) {
            return false;
        }
        int slash = file.lastIndexOf('/');
        String[] parentDirs = slash < 0 ? new String[0] : file.substring(0, slash).split("/");
        boolean matched = false;
        for (Rule rule : rules) {
            if (rule.exclusion != matched) {
                continue;
            }
            boolean match = rule.matches(file);
            if (!match && parentDirs.length > 0) {
                StringBuilder prefix = new StringBuilder();
                for (String dir : parentDirs) {
                    if (!prefix.isEmpty()) {
                        prefix.append('/');
                    }
                    prefix.append(dir);
                    if (rule.matches(prefix.toString())) {
                        match = true;
                        break;
                    }
                }
            }
            if (match) {
                matched = !rule.exclusion;
            }
        }
        return matched;
    }

    /**
     * True when the directory {@code relativeDir} is excluded and no exception pattern could
     * re-include anything below it, so a walk need not descend. Conservative: it answers false
     * whenever an exception might apply (e.g. one containing {@code **}).
     */
    public boolean canSkipDirectory(String relativeDir) {
        if (!excluded(relativeDir)) {
            return false;
        }
        String[] dir = normalize(relativeDir).split("/");
        for (Rule rule : rules) {
            if (rule.exclusion && rule.mayMatchBelow(dir)) {
                return false;
            }
        }
        return true;
    }

    private static String normalize(String relativePath) {
        String p = cleanPath(relativePath);
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() ? "." : p;
    }

    /** Go's {@code path.Clean}: no {@code //}, no {@code .} elements, {@code ..} resolved lexically. */
    static String cleanPath(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        List<String> out = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.getLast().equals("..")) {
                    out.removeLast();
                } else if (!rooted) {
                    out.add("..");
                }
                continue;
            }
            out.add(part);
        }
        String joined = String.join("/", out);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    /** Rejects what Go's {@code filepath.Match} rejects: unterminated or empty classes, a trailing backslash. */
    private static void validateGlob(String p) {
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= p.length()) {
                    throw new IllegalArgumentException("syntax error in pattern \"" + p + "\": trailing backslash");
                }
                i += 2;
            } else if (c == '[') {
                i = classEnd(p, i);
            } else {
                i++;
            }
        }
    }

    /** The index after the {@code ]} closing the class that starts at {@code open}. */
    private static int classEnd(String p, int open) {
        int i = open + 1;
        if (i < p.length() && p.charAt(i) == '^') {
            i++;
        }
        int elements = 0;
        while (true) {
            if (i >= p.length()) {
                throw new IllegalArgumentException("syntax error in pattern \"" + p + "\": unterminated [");
            }
            if (p.charAt(i) == ']' && elements > 0) {
                return i + 1;
            }
            i = classChar(p, i);
            if (i < p.length() && p.charAt(i) == '-') {
                i = classChar(p, i + 1);
            }
            elements++;
        }
    }

    private static int classChar(String p, int i) {
        if (i >= p.length() || p.charAt(i) == '-' || p.charAt(i) == ']') {
            throw new IllegalArgumentException("syntax error in pattern \"" + p + "\": bad character class");
        }
        if (p.charAt(i) == '\\') {
            if (i + 1 >= p.length()) {
                throw new IllegalArgumentException("syntax error in pattern \"" + p + "\": bad character class");
            }
            return i + 2;
        }
        return i + Character.charCount(p.codePointAt(i));
    }

    private enum MatchType { EXACT, PREFIX, SUFFIX, REGEX }

    /** One compiled pattern. */
    private static final class Rule {
        final String pattern;
        final boolean exclusion;
        final String[] segments;
        private final MatchType type;
        private final Pattern regex;

        Rule(String pattern, boolean exclusion) {
            this.pattern = pattern;
            this.exclusion = exclusion;
            this.segments = pattern.split("/");
            StringBuilder re = new StringBuilder("^");
            MatchType detected = MatchType.EXACT;
            int n = pattern.length();
            for (int i = 0, index = 0; i < n; index++) {
                char ch = pattern.charAt(i++);
                if (ch == '*') {
                    if (i < n && pattern.charAt(i) == '*') {
                        i++;
                        if (i < n && pattern.charAt(i) == '/') {
                            i++;
                        }
                        if (i >= n) {
                            if (detected == MatchType.EXACT) {
                                detected = MatchType.PREFIX;
                            } else {
                                re.append(".*");
                                detected = MatchType.REGEX;
                            }
                        } else {
                            re.append("(?:.*/)?");
                            detected = MatchType.REGEX;
                        }
                        if (index == 0) {
                            detected = MatchType.SUFFIX;
                        }
                    } else {
                        re.append("[^/]*");
                        detected = MatchType.REGEX;
                    }
                } else if (ch == '?') {
                    re.append("[^/]");
                    detected = MatchType.REGEX;
                } else if (ch == '\\') {
                    if (i < n) {
                        re.append(literal(pattern.codePointAt(i)));
                        i += Character.charCount(pattern.codePointAt(i));
                        detected = MatchType.REGEX;
                    } else {
                        re.append("\\\\");
                    }
                } else if (ch == '[') {
                    int end = classEnd(pattern, i - 1);
                    re.append(javaClass(pattern.substring(i, end - 1)));
                    i = end;
                    detected = MatchType.REGEX;
                } else {
                    int cp = pattern.codePointAt(i - 1);
                    i += Character.charCount(cp) - 1;
                    re.append(literal(cp));
                }
            }
            this.type = detected;
            Pattern compiled = null;
            if (detected == MatchType.REGEX) {
                try {
                    compiled = Pattern.compile(re.append('$').toString(), Pattern.DOTALL);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("syntax error in pattern \"" + pattern + "\": " + e.getDescription(), e);
                }
            }
            this.regex = compiled;
        }

        boolean matches(String path) {
            return switch (type) {
                case EXACT -> path.equals(pattern);
                case PREFIX -> path.startsWith(pattern.substring(0, pattern.length() - 2));
                case SUFFIX -> {
                    String suffix = pattern.substring(2);
                    yield path.endsWith(suffix) || (suffix.startsWith("/") && path.equals(suffix.substring(1)));
                }
                case REGEX -> regex.matcher(path).matches();
            };
        }

        /** Could this pattern match {@code dir}, one of its parents, or anything below it? */
        boolean mayMatchBelow(String[] dir) {
            for (int i = 0; i < dir.length; i++) {
                if (i >= segments.length) {
                    return true; // matches a parent of dir: re-includes all of it
                }
                String seg = segments[i];
                if (seg.contains("**") || seg.endsWith("\\")) {
                    return true;
                }
                if (!new Rule(seg, false).matches(dir[i])) {
                    return false;
                }
            }
            return true;
        }

        /** A Java class for the body of a glob class ({@code ^a-z\]}), every character literal. */
        private static String javaClass(String body) {
            StringBuilder out = new StringBuilder("[");
            int i = 0;
            if (body.startsWith("^")) {
                out.append('^');
                i = 1;
            }
            while (i < body.length()) {
                int cp = body.codePointAt(i);
                boolean escaped = cp == '\\';
                if (escaped) {
                    i++;
                    cp = body.codePointAt(i);
                }
                i += Character.charCount(cp);
                if (cp == '-' && !escaped) {
                    out.append('-');
                } else {
                    out.append(literal(cp));
                }
            }
            return out.append(']').toString();
        }

        private static String literal(int cp) {
            return String.format("\\x{%x}", cp);
        }
    }
}
