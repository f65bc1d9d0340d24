package dev.kiln.dockerfile.parser;

import java.util.Locale;

/**
 * Prints a syntax tree in BuildKit's test form: one instruction a line,
 * {@code (cmd ["--flag"] "arg" ...)}, the keyword lower-cased, strings quoted as Go's
 * {@code strconv.Quote} does. Used by the conformance tests and for debugging.
 */
public final class AstDumper {
    private AstDumper() {
    }

    /** The dump of {@code node} (for the root: every instruction, each on its own line). */
    public static String dump(Node node) {
        StringBuilder str = new StringBuilder();
        str.append(node.value().toLowerCase(Locale.ROOT));
        if (!node.flags().isEmpty()) {
            str.append(" [");
            for (int i = 0; i < node.flags().size(); i++) {
                if (i > 0) {
                    str.append(' ');
                }
                str.append(quote(node.flags().get(i)));
            }
            str.append(']');
        }
        for (Node child : node.children()) {
            str.append('(').append(dump(child)).append(")\n");
        }
        for (Node n = node.next(); n != null; n = n.next()) {
            str.append(' ');
            if (!n.children().isEmpty()) {
                str.append(dump(n));
            } else {
                str.append(quote(n.value()));
            }
        }
        return goTrimSpace(str.toString());
    }

    private static String goTrimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && LineParsers.isSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && LineParsers.isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /** A double-quoted Go string literal for {@code s}, as {@code strconv.Quote} writes it. */
    public static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case 0x07 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0B -> out.append("\\v");
                default -> {
                    if (isPrint(cp)) {
                        out.appendCodePoint(cp);
                    } else if (cp < 0x80) {
                        out.append(String.format("\\x%02x", cp));
                    } else if (cp < 0x10000) {
                        out.append(String.format("\\u%04x", cp));
                    } else {
                        out.append(String.format("\\U%08x", cp));
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    /** Go's {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols and ASCII space. */
    private static boolean isPrint(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                 Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                 Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }
}
