package dev.kiln.export.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.export.ImageExporter;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageManifest;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --cache-to type=inline}: the cache config (mode=min) stored in the image's own config
 * under {@link #FIELD}, so that pushing the image pushes its cache and
 * {@code --cache-from type=registry,ref=IMAGE} reads it back. Only records whose layers are
 * all layers of the image are kept (a step with an empty diff has no layer in the image).
 */
public final class InlineCache {
    /** The image config field that holds the cache config. */
    public static final String FIELD = "dev.kiln.cache.v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private InlineCache() {}

    /** Rewrites the exported image's config (and so its manifest) to carry {@code cache}. */
    public static ImageExporter.ExportedImage embed(ImageExporter.ExportedImage image, CacheConfig cache, ContentStore content)
            throws IOException {
        ImageManifest manifest = ImageJson.read(content.readAll(image.manifest().digestValue()), ImageManifest.class);
        Set<String> inImage = new HashSet<>();
        manifest.layers().forEach(d -> inImage.add(d.digest()));
        List<CacheConfig.CacheRecord> kept = cache.records().stream()
                .filter(r -> r.results().stream().flatMap(List::stream)
                        .allMatch(i -> inImage.contains(cache.layers().get(i).digest())))
                .toList();
        CacheConfig inline = new CacheConfig(CacheConfig.VERSION, cache.layers(), kept);
        ObjectNode config = (ObjectNode) JSON.readTree(content.readAll(image.configDescriptor().digestValue()));
        config.set(FIELD, JSON.readTree(inline.toJson()));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        Digest configDigest = content.write(configBytes);
        Descriptor configDesc = Descriptor.of(image.configDescriptor().mediaType(), configDigest, configBytes.length);
        byte[] manifestBytes = manifest.withConfig(configDesc).toJson();
        Digest manifestDigest = content.write(manifestBytes);
        Descriptor manifestDesc = Descriptor.of(image.manifest().mediaType(), manifestDigest, manifestBytes.length);
        ImageConfig parsed = ImageJson.read(configBytes, ImageConfig.class);
        return new ImageExporter.ExportedImage(manifestDesc, configDesc, parsed);
    }

    /** The cache config an image's config carries; throws when it carries none. */
    static CacheConfig read(byte[] imageConfig, ImageManifest manifest, String where) throws IOException {
        JsonNode node = JSON.readTree(imageConfig).get(FIELD);
        if (node == null || !MediaTypes.isManifest(manifest.mediaType() == null ? MediaTypes.OCI_MANIFEST
                : manifest.mediaType())) {
            throw new KilnException(where + " is neither a Kiln cache nor an image with an inline cache");
        }
        return CacheConfig.parse(JSON.writeValueAsBytes(node), where);
    }
}
