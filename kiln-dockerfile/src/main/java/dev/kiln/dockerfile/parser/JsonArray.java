package dev.kiln.dockerfile.parser;

import java.util.ArrayList;
import java.util.List;

/**
 * A strict JSON reader for the exec form ({@code ["a", "b"]}), accepting exactly what Go's
 * {@code encoding/json} accepts: one top-level array, nothing but JSON whitespace after it.
 * {@link #parse} returns the elements, with {@code null} standing for any non-string element,
 * or throws {@link NotJson} when the text is not valid JSON.
 */
final class JsonArray {
    /** The text is not a valid JSON array; the caller falls back to the shell form. */
    static final class NotJson extends Exception {
        NotJson(String message) {
            super(message, null, false, false);
        }
    }

    private final String s;
    private int pos;

    private JsonArray(String s) {
        this.s = s;
    }

    /** Elements of the array in {@code text}; a non-string element is returned as {@code null}. */
    static List<String> parse(String text) throws NotJson {
        JsonArray r = new JsonArray(text);
        r.skipWs();
        if (r.peek() != '[') {
            throw new NotJson("not a JSON array");
        }
        List<String> out = new ArrayList<>();
        r.pos++;
        r.skipWs();
        if (r.peek() == ']') {
            r.pos++;
        } else {
            while (true) {
                r.skipWs();
                if (r.peek() == '"') {
                    out.add(r.string());
                } else {
                    r.value();
                    out.add(null);
                }
                r.skipWs();
                int c = r.peek();
                r.pos++;
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw new NotJson("invalid character in array");
                }
            }
        }
        r.skipWs();
        if (r.pos != text.length()) {
            throw new NotJson("invalid character after top-level value");
        }
        return out;
    }

    private int peek() {
        return pos < s.length() ? s.charAt(pos) : -1;
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private void value() throws NotJson {
        int c = peek();
        switch (c) {
            case '"' -> string();
            case '[' -> container(']');
            case '{' -> container('}');
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void container(char close) throws NotJson {
        pos++;
        skipWs();
        if (peek() == close) {
            pos++;
            return;
        }
        while (true) {
            skipWs();
            if (close == '}') {
                if (peek() != '"') {
                    throw new NotJson("object key must be a string");
                }
                string();
                skipWs();
                if (peek() != ':') {
                    throw new NotJson("missing colon");
                }
                pos++;
                skipWs();
            }
            value();
            skipWs();
            int c = peek();
            pos++;
            if (c == close) {
                return;
            }
            if (c != ',') {
                throw new NotJson("invalid character in container");
            }
        }
    }

    private void literal(String word) throws NotJson {
        if (!s.startsWith(word, pos)) {
            throw new NotJson("invalid literal");
        }
        pos += word.length();
    }

    private void number() throws NotJson {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw new NotJson("invalid character looking for beginning of value");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw new NotJson("invalid number");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw new NotJson("invalid number");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (pos == start) {
            throw new NotJson("invalid number");
        }
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private String string() throws NotJson {
        pos++; // opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw new NotJson("unexpected end of JSON input");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw new NotJson("invalid character in string literal");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= s.length()) {
                throw new NotJson("unexpected end of JSON input");
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append(unicodeEscape());
                default -> throw new NotJson("invalid escape in string");
            }
        }
    }

    private String unicodeEscape() throws NotJson {
        char first = hex4();
        if (Character.isHighSurrogate(first)) {
            if (s.startsWith("\\u", pos)) {
                int save = pos;
                pos += 2;
                char second = hex4();
                if (Character.isLowSurrogate(second)) {
                    return new String(new char[] {first, second});
                }
                pos = save; // Go: an unpaired surrogate becomes U+FFFD, the next escape is read on its own
            }
            return "\uFFFD";
        }
        if (Character.isLowSurrogate(first)) {
            return "\uFFFD";
        }
        return String.valueOf(first);
    }

    private char hex4() throws NotJson {
        if (pos + 4 > s.length()) {
            throw new NotJson("invalid unicode escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            char h = s.charAt(pos + i);
            int d = h < 0x80 ? Character.digit(h, 16) : -1;
            if (d < 0) {
                throw new NotJson("invalid unicode escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }
}
