package dev.kiln.executor;

import dev.kiln.common.KilnException;

/**
 * A container that could not be set up or driven: an unknown user, a runtime that failed before the
 * process started, a runtime command that failed. Not thrown for a process that exits non-zero.
 */
public class ExecutorException extends KilnException {

    public ExecutorException(String message) {
        super(message);
    }

    public ExecutorException(String message, Throwable cause) {
        super(message, cause);
    }
}
