package dev.kiln.registry.errors;

import dev.kiln.common.KilnException;

/**
 * A registry operation that failed in a way the user must hear about: the base of every
 * error the registry client throws. The message names the registry host or the image and
 * says what went wrong; subclasses let callers react to the common cases (denied, not found,
 * corrupt content, unreachable) without parsing messages.
 */
public class RegistryException extends KilnException {
    private final String host;

    public RegistryException(String host, String message) {
        this(host, message, null);
    }

    public RegistryException(String host, String message, Throwable cause) {
        super(message, cause);
        this.host = host;
    }

    /** The registry host the failing request went to, as written in the image reference. */
    public String host() {
        return host;
    }
}
