package dev.kiln.export.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.common.KilnException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.archive.OciLayoutWriter;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageManifest;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code --cache-from} source into an {@link ImportedCache}: the cache manifest and
 * its config, nothing else. A registry reference may name a cache manifest (written by
 * {@code --cache-to type=registry}) or an image built with {@code --cache-to type=inline}
 * (its config carries the records); {@code type=local,src=DIR} reads an OCI layout
 * directory written by {@code --cache-to type=local,dest=DIR}.
 *
 * <p>Stateless besides the content store; thread-safe. Each {@link #load} is given the build's
 * registry client (its session's credentials), which the imported cache keeps for fetching its
 * blobs later in that build.
 */
public final class CacheImporter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ContentStore content;

    public CacheImporter(ContentStore content) {
        this.content = content;
    }

    /** Loads one source; throws a {@link KilnException} saying why it cannot be used. */
    public ImportedCache load(CacheSpec spec, RegistryClient registry, TransferListener listener) throws IOException {
        return switch (spec.type()) {
            case "registry" -> fromRegistry(ImageReference.parse(spec.attrs().get("ref")), registry, listener);
            case "local" -> fromLayout(Path.of(spec.attrs().get("src")), spec.tag());
            default -> throw new KilnException("--cache-from type=" + spec.type() + " is not a source; use type=registry"
                    + ",ref=IMAGE to import an image's inline cache");
        };
    }

    private ImportedCache fromRegistry(ImageReference ref, RegistryClient registry, TransferListener listener)
            throws IOException {
        RegistryClient.FetchedManifest m = registry.fetchManifest(ref);
        if (MediaTypes.isIndex(m.descriptor().mediaType())) {
            Descriptor config = ImageJson.read(m.bytes(), dev.kiln.oci.image.ImageIndex.class).manifests().stream()
                    .filter(d -> CacheConfig.MEDIA_TYPE.equals(d.mediaType())).findFirst()
                    .orElseThrow(() -> new KilnException(ref + " is an index without a Kiln cache config"));
            registry.fetchBlob(ref, config, content, listener);
            return new ImportedCache(ref.toString(), CacheConfig.parse(content.readAll(config.digestValue()), ref.toString()),
                    new RegistryBlobFetcher(registry, ref, listener));
        }
        ImageManifest manifest = ImageJson.read(m.bytes(), ImageManifest.class);
        Descriptor config = manifest.config();
        registry.fetchBlob(ref, config, content, listener);
        byte[] configBytes = content.readAll(config.digestValue());
        RegistryBlobFetcher fetcher = new RegistryBlobFetcher(registry, ref, listener);
        if (config.mediaType().equals(CacheConfig.MEDIA_TYPE)) {
            return new ImportedCache(ref.toString(), CacheConfig.parse(configBytes, ref.toString()), fetcher);
        }
        return new ImportedCache(ref.toString(), InlineCache.read(configBytes, manifest, ref.toString()), fetcher);
    }

    private ImportedCache fromLayout(Path dir, String tag) throws IOException {
        Path indexFile = dir.resolve(OciLayoutWriter.INDEX_FILE);
        if (!Files.isRegularFile(indexFile)) {
            throw new KilnException("cache directory " + dir + " is not an OCI layout (no index.json)");
        }
        JsonNode index = JSON.readTree(indexFile.toFile());
        List<JsonNode> entries = new ArrayList<>();
        index.path("manifests").forEach(entries::add);
        JsonNode chosen = entries.stream()
                .filter(e -> tag.equals(e.path("annotations").path(OciLayoutWriter.REF_NAME).asText(null)))
                .findFirst().orElse(entries.size() == 1 ? entries.getFirst() : null);
        if (chosen == null) {
            throw new KilnException("cache directory " + dir + " has no manifest tagged " + tag);
        }
        Descriptor md = new Descriptor(chosen.path("mediaType").asText(), chosen.path("digest").asText(),
                chosen.path("size").asLong(), null, null);
        ImageManifest manifest = ImageJson.read(Files.readAllBytes(LayoutBlobFetcher.blobPath(dir, md)), ImageManifest.class);
        byte[] configBytes = Files.readAllBytes(LayoutBlobFetcher.blobPath(dir, manifest.config()));
        if (!manifest.config().mediaType().equals(CacheConfig.MEDIA_TYPE)) {
            return new ImportedCache(dir.toString(), InlineCache.read(configBytes, manifest, dir.toString()),
                    new LayoutBlobFetcher(dir));
        }
        return new ImportedCache(dir.toString(), CacheConfig.parse(configBytes, dir.toString()), new LayoutBlobFetcher(dir));
    }
}
