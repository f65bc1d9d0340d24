package dev.kiln.common;

/**
 * A place in a user's input file, 1-based: {@code Dockerfile:3} or {@code Dockerfile:3:7}.
 * A column of 0 means unknown. Errors carry one so the user sees the file and line at fault.
 */
public record SourceLocation(String file, int line, int column) {
    public static SourceLocation of(String file, int line) {
        return new SourceLocation(file, line, 0);
    }

    @Override
    public String toString() {
        return column > 0 ? file + ":" + line + ":" + column : file + ":" + line;
    }
}
