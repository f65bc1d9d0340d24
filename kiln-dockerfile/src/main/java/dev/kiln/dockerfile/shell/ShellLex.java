package dev.kiln.dockerfile.shell;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Shell-word expansion as Dockerfile instructions use it, with BuildKit's rules: single and
 * double quotes, the escape character ({@code \} or {@code `}), {@code $V}, {@code ${V}} and the
 * modifiers {@code :- - :+ + :? ? # ## % %% / //}. Commands are never executed: {@code $(...)}
 * and backticks are plain text.
 *
 * <p>A {@code ShellLex} is immutable and safe to share between threads; the {@code with*}
 * methods return modified copies. Options mirror BuildKit's lexer: {@code rawQuotes} keeps quote
 * characters in the result, {@code rawEscapes} keeps escape characters, {@code skipProcessQuotes}
 * treats quotes as plain characters, {@code skipUnsetEnv} leaves references to unset variables
 * as written (used to recognise heredoc words without an environment).
 */
public final class ShellLex {
    static final int EOF = -1;

    private final int escape;
    private final boolean rawQuotes;
    private final boolean rawEscapes;
    private final boolean skipProcessQuotes;
    private final boolean skipUnsetEnv;

    /** A lexer with the given escape character ({@code \} by default in Dockerfiles, or {@code `}). */
    public ShellLex(char escape) {
        this(escape, false, false, false, false);
    }

    private ShellLex(int escape, boolean rawQuotes, boolean rawEscapes, boolean skipProcessQuotes, boolean skipUnsetEnv) {
        this.escape = escape;
        this.rawQuotes = rawQuotes;
        this.rawEscapes = rawEscapes;
        this.skipProcessQuotes = skipProcessQuotes;
        this.skipUnsetEnv = skipUnsetEnv;
    }

    public ShellLex withRawQuotes(boolean value) {
        return new ShellLex(escape, value, rawEscapes, skipProcessQuotes, skipUnsetEnv);
    }

    public ShellLex withRawEscapes(boolean value) {
        return new ShellLex(escape, rawQuotes, value, skipProcessQuotes, skipUnsetEnv);
    }

    public ShellLex withSkipProcessQuotes(boolean value) {
        return new ShellLex(escape, rawQuotes, rawEscapes, value, skipUnsetEnv);
    }

    public ShellLex withSkipUnsetEnv(boolean value) {
        return new ShellLex(escape, rawQuotes, rawEscapes, skipProcessQuotes, value);
    }

    public char escape() {
        return (char) escape;
    }

    /**
     * Expands {@code word} as one word: quotes removed, variables substituted, whitespace kept.
     *
     * @throws ShellExpansionException on a syntax error or a failed {@code ${V?msg}}
     */
    public String processWord(String word, Env env) {
        return process(word, env).result();
    }

    /** Expands {@code word} and splits the result into words as a shell would. */
    public List<String> processWords(String word, Env env) {
        return process(word, env).words();
    }

    /** Expands {@code word}, returning the single-word result, the split words and which variables were used. */
    public ExpansionResult process(String word, Env env) {
        Run run = new Run(word, env);
        try {
            Piece p = run.processStopOn(EOF, rawEscapes);
            return new ExpansionResult(p.result, p.words, run.matched, run.unmatched);
        } catch (ShellExpansionException e) {
            throw new ShellExpansionException("failed to process \"" + word + "\": " + e.getMessage());
        }
    }

    private record Piece(String result, List<String> words) {
    }

    /** Shell-like whitespace: Go's {@code unicode.IsSpace}. */
    static boolean isSpace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0 -> true;
            default -> cp > 0xFF && Character.isSpaceChar(cp);
        };
    }

    /** Accumulates the split words of one (sub)expansion. */
    private static final class Words {
        private final StringBuilder buf = new StringBuilder();
        private final List<String> words = new ArrayList<>();
        private boolean inWord;

        void addChar(int ch) {
            if (isSpace(ch)) {
                if (inWord && !buf.isEmpty()) {
                    words.add(buf.toString());
                    buf.setLength(0);
                    inWord = false;
                }
            } else {
                addRawChar(ch);
            }
        }

        void addRawChar(int ch) {
            buf.appendCodePoint(ch);
            inWord = true;
        }

        void addString(String s) {
            s.codePoints().forEach(this::addChar);
        }

        void addRawString(String s) {
            buf.append(s);
            inWord = true;
        }

        List<String> finish() {
            if (!buf.isEmpty()) {
                words.add(buf.toString());
                buf.setLength(0);
                inWord = false;
            }
            return words;
        }
    }

    /** The state of one expansion: a code-point cursor over the input. */
    private final class Run {
        private final int[] cps;
        private final Env env;
        private int pos;
        private boolean rawEsc;
        final Set<String> matched = new LinkedHashSet<>();
        final Set<String> unmatched = new LinkedHashSet<>();

        Run(String word, Env env) {
            this.cps = word.codePoints().toArray();
            this.env = env;
        }

        int peek() {
            return pos < cps.length ? cps[pos] : EOF;
        }

        int next() {
            return pos < cps.length ? cps[pos++] : EOF;
        }

        Piece processStopOn(int stop, boolean rawEscapesHere) {
            boolean saved = rawEsc;
            rawEsc = rawEscapesHere;
            try {
                return scan(stop);
            } finally {
                rawEsc = saved;
            }
        }

        private Piece scan(int stop) {
            StringBuilder result = new StringBuilder();
            Words words = new Words();
            while (peek() != EOF) {
                int ch = peek();
                if (stop != EOF && ch == stop) {
                    next();
                    return new Piece(result.toString(), words.finish());
                }
                if (ch == '$') {
                    String tmp = processDollar();
                    result.append(tmp);
                    words.addString(tmp);
                } else if (ch == '<') {
                    String tmp = processPossibleHeredoc();
                    result.append(tmp);
                    words.addRawString(tmp);
                } else if (!skipProcessQuotes && ch == '\'') {
                    String tmp = processSingleQuote();
                    result.append(tmp);
                    words.addRawString(tmp);
                } else if (!skipProcessQuotes && ch == '"') {
                    String tmp = processDoubleQuote();
                    result.append(tmp);
                    words.addRawString(tmp);
                } else {
                    ch = next();
                    if (ch == escape) {
                        if (rawEsc) {
                            words.addRawChar(ch);
                            result.appendCodePoint(ch);
                        }
                        ch = next();
                        if (ch == EOF) {
                            break;
                        }
                        words.addRawChar(ch);
                    } else {
                        words.addChar(ch);
                    }
                    result.appendCodePoint(ch);
                }
            }
            if (stop != EOF) {
                throw new ShellExpansionException("unexpected end of statement while looking for matching " + Character.toString(stop));
            }
            return new Piece(result.toString(), words.finish());
        }

        private String processSingleQuote() {
            StringBuilder result = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                result.appendCodePoint(ch);
            }
            while (true) {
                ch = next();
                if (ch == EOF) {
                    throw new ShellExpansionException("unexpected end of statement while looking for matching single-quote");
                }
                if (ch == '\'') {
                    if (rawQuotes) {
                        result.appendCodePoint(ch);
                    }
                    return result.toString();
                }
                result.appendCodePoint(ch);
            }
        }

        private String processDoubleQuote() {
            StringBuilder result = new StringBuilder();
            int ch = next();
            if (rawQuotes) {
                result.appendCodePoint(ch);
            }
            while (true) {
                int p = peek();
                if (p == EOF) {
                    throw new ShellExpansionException("unexpected end of statement while looking for matching double-quote");
                } else if (p == '"') {
                    ch = next();
                    if (rawQuotes) {
                        result.appendCodePoint(ch);
                    }
                    return result.toString();
                } else if (p == '$') {
                    result.append(processDollar());
                } else {
                    ch = next();
                    if (ch == escape) {
                        if (rawEsc) {
                            result.appendCodePoint(ch);
                        }
                        int after = peek();
                        if (after == EOF) {
                            continue; // the loop then reports the missing quote
                        }
                        if (after == '"' || after == '$' || after == escape) {
                            ch = next();
                        }
                    }
                    result.appendCodePoint(ch);
                }
            }
        }

        private String processDollar() {
            next();
            if (peek() != '{') {
                String name = processName();
                if (name.isEmpty()) {
                    return "$";
                }
                String value = getEnv(name);
                if (value == null && skipUnsetEnv) {
                    return "$" + name;
                }
                return value == null ? "" : value;
            }
            next();
            int first = peek();
            if (first == EOF) {
                throw new ShellExpansionException("syntax error: missing '}'");
            }
            if (first == '{' || first == '}' || first == ':') {
                throw new ShellExpansionException("syntax error: bad substitution");
            }
            String name = processName();
            int ch = next();
            String chs = modifierText(ch);
            boolean nullIsUnset = false;
            switch (ch) {
                case '}' -> {
                    String value = getEnv(name);
                    if (value == null && skipUnsetEnv) {
                        return "${" + name + "}";
                    }
                    return value == null ? "" : value;
                }
                case '/' -> {
                    return substitute(name);
                }
                case ':' -> {
                    nullIsUnset = true;
                    ch = next();
                    chs += modifierText(ch);
                }
                case '+', '-', '?', '#', '%' -> {
                }
                default -> throw new ShellExpansionException("unsupported modifier (" + chs + ") in substitution");
            }
            boolean trim = ch == '#' || ch == '%';
            if (nullIsUnset && trim) {
                throw new ShellExpansionException("unsupported modifier (" + chs + ") in substitution");
            }
            String word = untilClosingBrace(trim);
            String value = getEnv(name);
            boolean set = value != null;
            if (skipUnsetEnv && !set) {
                return "${" + name + chs + word + "}";
            }
            switch (ch) {
                case '-':
                    return !set || (nullIsUnset && value.isEmpty()) ? word : value;
                case '+':
                    return !set || (nullIsUnset && value.isEmpty()) ? "" : word;
                case '?':
                    if (!set) {
                        throw new ShellExpansionException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    }
                    if (nullIsUnset && value.isEmpty()) {
                        throw new ShellExpansionException(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                    }
                    return value;
                case '%', '#': {
                    boolean greedy = false;
                    if (!word.isEmpty() && word.charAt(0) == ch) {
                        greedy = true;
                        word = word.substring(1);
                    }
                    String subject = set ? value : "";
                    return ch == '%' ? ShellPattern.trimSuffix(word, subject, greedy) : ShellPattern.trimPrefix(word, subject, greedy);
                }
                default:
                    throw new ShellExpansionException("unsupported modifier (" + chs + ") in substitution");
            }
        }

        private String untilClosingBrace(boolean rawEscapesHere) {
            try {
                return processStopOn('}', rawEscapesHere).result;
            } catch (ShellExpansionException e) {
                if (peek() == EOF) {
                    throw new ShellExpansionException("syntax error: missing '}'");
                }
                throw e;
            }
        }

        private String substitute(String name) {
            boolean all = peek() == '/';
            if (all) {
                next();
            }
            String pattern;
            try {
                pattern = processStopOn('/', true).result;
            } catch (ShellExpansionException e) {
                if (peek() == EOF) {
                    throw new ShellExpansionException("syntax error: missing '/' in ${}");
                }
                throw e;
            }
            String replacement = untilClosingBrace(true);
            String value = getEnv(name);
            if (skipUnsetEnv && value == null) {
                return "${" + name + "/" + pattern + "/" + replacement + "}";
            }
            return ShellPattern.replace(value == null ? "" : value, pattern, replacement, all);
        }

        private String processName() {
            StringBuilder name = new StringBuilder();
            while (peek() != EOF) {
                int ch = peek();
                if (name.isEmpty() && Character.isDigit(ch)) {
                    while (peek() != EOF && Character.isDigit(peek())) {
                        name.appendCodePoint(next());
                    }
                    return name.toString();
                }
                if (name.isEmpty() && isSpecialParam(ch)) {
                    return Character.toString(next());
                }
                if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') {
                    break;
                }
                name.appendCodePoint(next());
            }
            return name.toString();
        }

        private String processPossibleHeredoc() {
            next();
            if (peek() != '<') {
                return "<";
            }
            next();
            StringBuilder result = new StringBuilder("<<");
            while (peek() == '\t' || peek() == '\r' || peek() == ' ') {
                result.appendCodePoint(next());
            }
            return result.toString();
        }

        private String getEnv(String name) {
            String v = env.get(name);
            if (v != null) {
                matched.add(name);
            } else {
                unmatched.add(name);
            }
            return v;
        }
    }

    private static String modifierText(int ch) {
        return ch == EOF ? "\uFFFD" : Character.toString(ch);
    }

    private static boolean isSpecialParam(int ch) {
        return switch (ch) {
            case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
            default -> false;
        };
    }
}
