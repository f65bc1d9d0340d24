package dev.kiln.registry.errors;

/**
 * The registry (or its token server) refused the request: 401 after authenticating, or 403.
 * The message is {@code denied: check credentials for HOST}, followed by the registry's own
 * reason when it sent one.
 */
public final class AccessDeniedException extends RegistryException {
    public AccessDeniedException(String host, String detail) {
        super(host, "denied: check credentials for " + host + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"));
    }
}
