package dev.kiln.common;

/**
 * An error that Kiln reports to its user as a message, not a stack trace: bad input, a failed
 * step, an unreachable registry. The message is complete on its own (what failed, where, why).
 * The CLI prints {@link #getMessage()} and exits with {@link #exitCode()}.
 */
public class KilnException extends RuntimeException {
    private final int exitCode;

    public KilnException(String message) {
        this(message, null, 1);
    }

    public KilnException(String message, Throwable cause) {
        this(message, cause, 1);
    }

    public KilnException(String message, Throwable cause, int exitCode) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The process exit code the CLI uses for this error; never 0. */
    public int exitCode() {
        return exitCode;
    }
}
