package dev.kiln.registry.errors;

/** A manifest or index that is not valid JSON of a kind Kiln understands; names the image. */
public final class MalformedManifestException extends RegistryException {
    public MalformedManifestException(String host, String image, String problem) {
        super(host, image + ": malformed manifest: " + problem);
    }

    public MalformedManifestException(String host, String image, String problem, Throwable cause) {
        super(host, image + ": malformed manifest: " + problem, cause);
    }
}
