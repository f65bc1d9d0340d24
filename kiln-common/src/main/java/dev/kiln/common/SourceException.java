package dev.kiln.common;

import java.util.Optional;

/**
 * A {@link KilnException} tied to a place in the user's input. Its message starts with the
 * location ({@code Dockerfile:3: unknown instruction FORM}) and, when the offending line's
 * text is known, shows it underneath.
 */
public class SourceException extends KilnException {
    private final SourceLocation location;
    private final String detail;

    public SourceException(SourceLocation location, String detail, String lineText) {
        this(location, detail, lineText, null);
    }

    public SourceException(SourceLocation location, String detail, String lineText, Throwable cause) {
        super(format(location, detail, lineText), cause);
        this.location = location;
        this.detail = detail;
    }

    private static String format(SourceLocation location, String detail, String lineText) {
        String head = location + ": " + detail;
        if (lineText == null || lineText.isBlank()) {
            return head;
        }
        return head + "\n  " + location.line() + " | " + lineText.strip();
    }

    public SourceLocation location() {
        return location;
    }

    /** The message without location and line text. */
    public String detail() {
        return detail;
    }

    public Optional<SourceLocation> where() {
        return Optional.of(location);
    }
}
