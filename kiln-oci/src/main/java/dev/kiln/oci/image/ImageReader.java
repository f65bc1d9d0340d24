package dev.kiln.oci.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.io.IOException;
import java.util.List;

/**
 * Reads an image out of a {@link ContentStore}: given the descriptor of a manifest, an OCI
 * index or a Docker manifest list, and the wanted platform, it picks the platform's manifest
 * (recursing through nested indexes), verifies the digests of what it reads and returns the
 * manifest with its config. Stateless; one instance per store.
 */
public final class ImageReader {
    private static final int MAX_DEPTH = 8;
    private final ContentStore store;

    public ImageReader(ContentStore store) {
        this.store = store;
    }

    /**
     * Resolves {@code descriptor} for {@code platform}.
     *
     * @throws KilnException when an index has no manifest for the platform
     * @throws IOException when a blob is missing, does not match its digest or is not valid JSON
     */
    public ResolvedImage resolve(Descriptor descriptor, Platform platform) throws IOException {
        return resolve(descriptor, platform, 0);
    }

    private ResolvedImage resolve(Descriptor descriptor, Platform platform, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("image indexes nested deeper than " + MAX_DEPTH);
        }
        byte[] bytes = readVerified(descriptor);
        String mediaType = effectiveMediaType(descriptor.mediaType(), bytes);
        if (MediaTypes.isIndex(mediaType)) {
            ImageIndex index = ImageJson.read(bytes, ImageIndex.class);
            Descriptor chosen = choose(index.manifests(), platform)
                    .orElseThrow(() -> new KilnException("no image for platform " + platform + " in " + descriptor.digest()
                            + " (it has: " + platformsOf(index.manifests()) + ")"));
            return resolve(chosen, platform, depth + 1);
        }
        if (!MediaTypes.isManifest(mediaType)) {
            throw new IOException("unsupported media type " + mediaType + " for " + descriptor.digest());
        }
        ImageManifest manifest = ImageJson.read(bytes, ImageManifest.class);
        ImageConfig config = ImageJson.read(readVerified(manifest.config()), ImageConfig.class);
        if (config.rootfs().diffIds().size() != manifest.layers().size()) {
            throw new IOException("image " + descriptor.digest() + " has " + manifest.layers().size()
                    + " layers but its config lists " + config.rootfs().diffIds().size() + " diffIDs");
        }
        return new ResolvedImage(descriptor, manifest, manifest.config(), config);
    }

    /** Reads a small blob and checks its digest (and its size when the descriptor has one). */
    public byte[] readVerified(Descriptor d) throws IOException {
        Digest digest = d.digestValue();
        byte[] bytes = store.readAll(digest);
        if (!Digest.sha256(bytes).equals(digest) && digest.algorithm().equals("sha256")) {
            throw new IOException("blob " + digest + " in the content store does not match its digest");
        }
        if (d.size() > 0 && bytes.length != d.size()) {
            throw new IOException("blob " + digest + " has " + bytes.length + " bytes, descriptor says " + d.size());
        }
        return bytes;
    }

    /** A descriptor's media type, or the document's own {@code mediaType} (or shape) when it has none. */
    static String effectiveMediaType(String declared, byte[] json) throws IOException {
        if (declared != null && !declared.isEmpty() && !declared.equals("application/octet-stream")) {
            return declared;
        }
        JsonNode node = ImageJson.mapper().readTree(json);
        if (node.hasNonNull("mediaType")) {
            return node.get("mediaType").asText();
        }
        return node.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    /** The best entry of an index for a platform: exact variant first, then a compatible one. */
    public static java.util.Optional<Descriptor> choose(List<Descriptor> manifests, Platform platform) {
        Descriptor compatible = null;
        for (Descriptor m : manifests) {
            Descriptor.OciPlatform p = m.platform();
            if (p == null) {
                continue;
            }
            if (!platform.os().equals(p.os()) || !platform.architecture().equals(p.architecture())) {
                continue;
            }
            String want = normaliseVariant(platform.architecture(), platform.variant());
            String have = normaliseVariant(p.architecture(), p.variant());
            if (want.equals(have)) {
                return java.util.Optional.of(m);
            }
            if (want.isEmpty() && compatible == null) {
                compatible = m;
            }
        }
        if (compatible == null && manifests.size() == 1 && manifests.getFirst().platform() == null) {
            compatible = manifests.getFirst();
        }
        return java.util.Optional.ofNullable(compatible);
    }

    private static String normaliseVariant(String arch, String variant) {
        String v = variant == null ? "" : variant;
        if (arch.equals("arm64") && v.equals("v8")) {
            return "";
        }
        if (arch.equals("amd64") && v.equals("v1")) {
            return "";
        }
        return v;
    }

    private static String platformsOf(List<Descriptor> manifests) {
        return String.join(", ", manifests.stream().map(m -> m.platform() == null ? "unknown"
                : m.platform().os() + "/" + m.platform().architecture()
                        + (m.platform().variant() == null || m.platform().variant().isEmpty() ? "" : "/" + m.platform().variant()))
                .toList());
    }
}
