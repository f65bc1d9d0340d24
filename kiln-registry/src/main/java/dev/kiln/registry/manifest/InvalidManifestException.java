package dev.kiln.registry.manifest;

/**
 * A manifest that {@link ManifestContent#parse} cannot use; the caller turns it into a
 * {@link dev.kiln.registry.errors.MalformedManifestException} that names the image.
 */
public final class InvalidManifestException extends Exception {
    public InvalidManifestException(String message) {
        super(message);
    }
}
