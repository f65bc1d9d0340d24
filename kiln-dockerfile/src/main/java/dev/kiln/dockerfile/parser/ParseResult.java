package dev.kiln.dockerfile.parser;

import java.util.List;

/**
 * The outcome of parsing a Dockerfile: the root node (whose children are the instructions, in
 * order), the directives, and the warnings found on the way.
 */
public record ParseResult(String fileName, Node ast, Directives directives, List<ParseWarning> warnings) {
    public ParseResult {
        warnings = List.copyOf(warnings);
    }

    /** The escape character in effect for the file. */
    public char escapeToken() {
        return directives.escape();
    }
}
