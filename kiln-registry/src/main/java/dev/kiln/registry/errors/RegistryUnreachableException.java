package dev.kiln.registry.errors;

/**
 * No HTTP exchange with the registry was possible: connection refused, unknown host, timeouts
 * after every retry, or a TLS certificate that is not trusted.
 */
public final class RegistryUnreachableException extends RegistryException {
    public RegistryUnreachableException(String host, String reason, Throwable cause) {
        super(host, "cannot reach registry " + host + ": " + reason, cause);
    }
}
