package dev.kiln.dockerfile.parser;

/**
 * Something the parser accepted but the user should fix, such as an empty line inside a
 * continuation. Carries a short message, a longer detail, a documentation URL and the 1-based
 * line it refers to.
 */
public record ParseWarning(String message, String detail, String url, int line) {
}
