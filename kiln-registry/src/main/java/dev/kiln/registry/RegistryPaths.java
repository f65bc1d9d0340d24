package dev.kiln.registry;

import dev.kiln.common.Digest;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The distribution-spec URL paths and token scopes for an image reference: where its
 * manifests, blobs and uploads live under {@code /v2/}.
 */
public final class RegistryPaths {
    /** What {@code GET /v2/…/manifests/…} asks for: every manifest and index type Kiln reads. */
    public static final String MANIFEST_ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);

    private RegistryPaths() {}

    /** {@code /v2/REPO/manifests/TAG-OR-DIGEST}; the digest wins when both are given. */
    public static String manifest(ImageReference ref) {
        return manifest(ref.repository(), ref.digest() != null ? ref.digest() : ref.tag());
    }

    public static String manifest(String repository, String tagOrDigest) {
        return "/v2/" + repository + "/manifests/" + tagOrDigest;
    }

    public static String blob(String repository, Digest digest) {
        return "/v2/" + repository + "/blobs/" + digest;
    }

    public static String uploads(String repository) {
        return "/v2/" + repository + "/blobs/uploads/";
    }

    /** Starts an upload that asks the registry to mount {@code digest} from {@code fromRepository}. */
    public static String mount(String repository, Digest digest, String fromRepository) {
        return uploads(repository) + "?mount=" + enc(digest.toString()) + "&from=" + enc(fromRepository);
    }

    /** Adds {@code digest=…} to an upload location, which may already have a query. */
    public static String withDigest(String location, Digest digest) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + enc(digest.toString());
    }

    public static String pullScope(String repository) {
        return "repository:" + repository + ":pull";
    }

    public static String pushScope(String repository) {
        return "repository:" + repository + ":pull,push";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
