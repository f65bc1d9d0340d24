package dev.kiln.daemon.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser for the part of TOML that kilnd.toml uses: {@code [table]} and {@code [dotted.table]}
 * headers, {@code key = value} lines with bare or quoted keys, basic strings ({@code "…"} with
 * the usual escapes), literal strings ({@code '…'}), integers, booleans, single-line arrays of
 * these, and {@code #} comments. Anything else (inline tables, multi-line strings, dates, arrays
 * of tables) is rejected with its line number, so a config never half-parses.
 *
 * <p>The result maps each key's full dotted name ({@code grpc.tls.cert}) to a String, Long,
 * Boolean or List of them. A key segment that is not a bare key (letters, digits, {@code _},
 * {@code -}) keeps its quotes in the dotted name, so that {@code [registry."docker.io"]} with
 * {@code mirrors = […]} gives {@code registry."docker.io".mirrors}; {@link #segments} splits
 * such a name again. {@link #parseWithLines} also tells the line each key was set on.
 */
public final class TomlSubset {
    private TomlSubset() {}

    /** A parsed document: the values by dotted name, and the line each was set on. */
    public record Document(Map<String, Object> values, Map<String, Integer> lines) {
        /** "line N: " for a key of the document, or "" for one it does not have. */
        public String where(String key) {
            Integer line = lines.get(key);
            return line == null ? "" : "line " + line + ": ";
        }
    }

    public static Map<String, Object> parse(String text) {
        return parseWithLines(text).values();
    }

    /** Parses {@code text}, keeping the line number of every key. */
    public static Document parseWithLines(String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Integer> where = new LinkedHashMap<>();
        String table = "";
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            Cursor c = new Cursor(lines[i], lineNo);
            c.skipSpace();
            if (c.atEnd() || c.peek() == '#') {
                continue;
            }
            if (c.peek() == '[') {
                c.next();
                if (!c.atEnd() && c.peek() == '[') {
                    throw c.error("arrays of tables are not supported");
                }
                table = c.dottedKey();
                c.skipSpace();
                c.expect(']');
                c.endOfLine();
                continue;
            }
            String key = c.dottedKey();
            c.skipSpace();
            c.expect('=');
            c.skipSpace();
            Object value = c.value();
            c.endOfLine();
            String full = table.isEmpty() ? key : table + "." + key;
            if (out.put(full, value) != null) {
                throw new IllegalArgumentException("line " + lineNo + ": key \"" + full + "\" defined twice");
            }
            where.put(full, lineNo);
        }
        return new Document(out, where);
    }

    /** The segments of a dotted name as {@link #parse} writes it, quotes removed: {@code registry."a.b".x} → [registry, a.b, x]. */
    public static List<String> segments(String dottedName) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < dottedName.length(); i++) {
            char ch = dottedName.charAt(i);
            if (quoted && ch == '\\' && i + 1 < dottedName.length()) {
                cur.append(dottedName.charAt(++i));
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == '.' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /** A key segment as it appears in a dotted name: bare when it can be, else quoted. */
    static String segment(String key) {
        if (!key.isEmpty() && key.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '-')) {
            return key;
        }
        return "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static final class Cursor {
        private final String s;
        private final int line;
        private int pos;

        Cursor(String s, int line) {
            this.s = s;
            this.line = line;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        char next() {
            if (atEnd()) {
                throw error("unexpected end of line");
            }
            return s.charAt(pos++);
        }

        void skipSpace() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        void expect(char ch) {
            if (atEnd() || peek() != ch) {
                throw error("expected '" + ch + "'");
            }
            pos++;
        }

        void endOfLine() {
            skipSpace();
            if (!atEnd() && peek() != '#') {
                throw error("unexpected text \"" + s.substring(pos) + "\"");
            }
        }

        IllegalArgumentException error(String msg) {
            return new IllegalArgumentException("line " + line + ", column " + (pos + 1) + ": " + msg);
        }

        String dottedKey() {
            StringBuilder sb = new StringBuilder();
            while (true) {
                skipSpace();
                sb.append(segment(simpleKey()));
                skipSpace();
                if (!atEnd() && peek() == '.') {
                    pos++;
                    sb.append('.');
                } else {
                    return sb.toString();
                }
            }
        }

        private String simpleKey() {
            if (atEnd()) {
                throw error("expected a key");
            }
            if (peek() == '"') {
                return basicString();
            }
            if (peek() == '\'') {
                return literalString();
            }
            int start = pos;
            while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '-')) {
                pos++;
            }
            if (start == pos) {
                throw error("expected a key");
            }
            return s.substring(start, pos);
        }

        Object value() {
            if (atEnd()) {
                throw error("expected a value");
            }
            char ch = peek();
            if (ch == '"') {
                if (s.startsWith("\"\"\"", pos)) {
                    throw error("multi-line strings are not supported");
                }
                return basicString();
            }
            if (ch == '\'') {
                return literalString();
            }
            if (ch == '[') {
                return array();
            }
            if (ch == '{') {
                throw error("inline tables are not supported");
            }
            int start = pos;
            while (!atEnd() && "#,] \t".indexOf(peek()) < 0) {
                pos++;
            }
            String word = s.substring(start, pos);
            if (word.equals("true") || word.equals("false")) {
                return Boolean.valueOf(word);
            }
            try {
                return Long.parseLong(word.replace("_", "").replaceFirst("^\\+", ""));
            } catch (NumberFormatException e) {
                pos = start;
                throw error("unsupported value \"" + word + "\" (want a string, integer, boolean or array)");
            }
        }

        private List<Object> array() {
            expect('[');
            List<Object> out = new ArrayList<>();
            while (true) {
                skipSpace();
                if (!atEnd() && peek() == ']') {
                    pos++;
                    return out;
                }
                out.add(value());
                skipSpace();
                if (!atEnd() && peek() == ',') {
                    pos++;
                } else {
                    skipSpace();
                    expect(']');
                    return out;
                }
            }
        }

        private String literalString() {
            expect('\'');
            int end = s.indexOf('\'', pos);
            if (end < 0) {
                throw error("unterminated string");
            }
            String v = s.substring(pos, end);
            pos = end + 1;
            return v;
        }

        private String basicString() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char ch = next();
                if (ch == '"') {
                    return sb.toString();
                }
                if (ch != '\\') {
                    sb.append(ch);
                    continue;
                }
                char e = next();
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case 'u', 'U' -> {
                        int n = e == 'u' ? 4 : 8;
                        if (pos + n > s.length()) {
                            throw error("short unicode escape");
                        }
                        sb.appendCodePoint(Integer.parseInt(s.substring(pos, pos + n), 16));
                        pos += n;
                    }
                    default -> throw error("unknown escape \\" + e);
                }
            }
        }
    }
}
