package dev.kiln.dockerfile.parser;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises parser directives line by line, with BuildKit's quirks: a directive is a comment
 * {@code # key = value} whose key is {@code syntax}, {@code escape} or {@code check}
 * (case-insensitive); the first line that is not one ends the directive section for good; a
 * repeated directive is an error. One instance serves one parse and is not thread-safe.
 */
final class DirectiveParser {
    private static final Pattern DIRECTIVE = Pattern.compile("^([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*\\z");
    private static final Set<String> VALID = Set.of("syntax", "escape", "check");

    /** A recognised directive: lower-cased key and value. */
    record Directive(String name, String value) {
    }

    private final Set<String> seen = new HashSet<>();
    private boolean done;

    /** The directive on {@code line}, or null; throws {@link ParseError} for a repeated directive. */
    Directive parseLine(String line) {
        if (done) {
            return null;
        }
        if (!line.startsWith("#")) {
            done = true;
            return null;
        }
        String rest = LineParsers.trimLeadingSpace(line.substring(1));
        Matcher m = DIRECTIVE.matcher(rest);
        if (!m.find()) {
            done = true;
            return null;
        }
        String key = m.group(1).toLowerCase(java.util.Locale.ROOT);
        if (!VALID.contains(key)) {
            done = true;
            return null;
        }
        if (!seen.add(key)) {
            throw new ParseError("only one " + key + " parser directive can be used");
        }
        return new Directive(key, m.group(2));
    }
}
