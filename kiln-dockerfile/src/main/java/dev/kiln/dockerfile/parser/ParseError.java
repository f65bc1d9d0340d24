package dev.kiln.dockerfile.parser;

/**
 * A syntax error found while parsing one logical line, before its location is known. The
 * {@link DockerfileParser} turns it into a {@link dev.kiln.common.SourceException} with file and line.
 */
final class ParseError extends RuntimeException {
    ParseError(String message) {
        super(message, null, false, false);
    }
}
