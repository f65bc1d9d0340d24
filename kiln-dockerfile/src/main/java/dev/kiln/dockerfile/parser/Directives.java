package dev.kiln.dockerfile.parser;

import java.util.Optional;

/**
 * The parser directives found at the top of a Dockerfile ({@code # syntax=}, {@code # escape=},
 * {@code # check=}). Each may appear at most once and only before any instruction, blank line or
 * other comment.
 *
 * @param syntax the {@code syntax} value as written, or null
 * @param escape the escape character in effect ({@code \} unless {@code # escape=`})
 * @param check  the {@code check} value as written (lint configuration), or null
 */
public record Directives(String syntax, char escape, String check) {
    public static final char DEFAULT_ESCAPE = '\\';

    public Directives {
        if (escape != '\\' && escape != '`') {
            throw new IllegalArgumentException("escape must be \\ or `");
        }
    }

    public static Directives defaults() {
        return new Directives(null, DEFAULT_ESCAPE, null);
    }

    public Optional<String> syntaxValue() {
        return Optional.ofNullable(syntax);
    }

    public Optional<String> checkValue() {
        return Optional.ofNullable(check);
    }
}
