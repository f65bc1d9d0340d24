package dev.kiln.solver;

import dev.kiln.common.KilnException;

/** A vertex failed; the message names the step (its progress name) and what went wrong. */
public class SolveException extends KilnException {
    private final String vertexName;

    public SolveException(String vertexName, String message, Throwable cause) {
        super(message, cause);
        this.vertexName = vertexName;
    }

    public String vertexName() {
        return vertexName;
    }
}
