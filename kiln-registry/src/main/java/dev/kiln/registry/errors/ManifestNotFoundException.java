package dev.kiln.registry.errors;

/**
 * The registry has no manifest for a tag or digest: {@code IMAGE: not found: manifest unknown
 * (tag TAG)}, or {@code (digest DIGEST)} for a by-digest reference.
 */
public final class ManifestNotFoundException extends RegistryException {
    public ManifestNotFoundException(String host, String image, String tagOrDigest) {
        super(host, image + ": not found: manifest unknown ("
                + (tagOrDigest.contains(":") ? "digest " : "tag ") + tagOrDigest + ")");
    }
}
