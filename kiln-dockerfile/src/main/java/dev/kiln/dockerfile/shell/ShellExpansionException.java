package dev.kiln.dockerfile.shell;

import dev.kiln.common.KilnException;

/**
 * A word could not be expanded: unbalanced quotes, a bad {@code ${...}} form, or a
 * {@code ${V?message}} whose variable is unset. The message says what and in which word; the
 * caller (the instruction layer) adds the Dockerfile location.
 */
public class ShellExpansionException extends KilnException {
    public ShellExpansionException(String message) {
        super(message);
    }
}
