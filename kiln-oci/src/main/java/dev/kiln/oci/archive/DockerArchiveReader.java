package dev.kiln.oci.archive;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageManifest;
import dev.kiln.oci.layer.Compression;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code docker save} archive into a {@link ContentStore}: for each element of
 * {@code manifest.json} it stores the config and the layer files as they are (plain or
 * compressed), computes each layer's digest and diffID, checks the diffIDs against the config,
 * and stores a Docker schema 2 manifest whose layer descriptors name those blobs (media type
 * from the detected compression). Returns one {@link NamedImage} per {@code RepoTags} name (or
 * one unnamed image). Thread-safe; holds the store.
 */
public final class DockerArchiveReader {
    public static final String MANIFEST_FILE = "manifest.json";
    private static final int MAX_JSON = 64 * 1024 * 1024;
    private final ContentStore store;

    public DockerArchiveReader(ContentStore store) {
        this.store = store;
    }

    public List<NamedImage> read(Path archive) throws IOException {
        try (ArchiveFiles files = ArchiveFiles.open(archive)) {
            return read(files);
        }
    }

    private record StoredLayer(Descriptor descriptor, Digest diffId) {}

    List<NamedImage> read(ArchiveFiles files) throws IOException {
        if (!files.exists(MANIFEST_FILE)) {
            throw new IOException("not a docker archive: no " + MANIFEST_FILE);
        }
        List<DockerArchiveEntry> entries = ImageJson.mapper().readValue(files.readAll(MANIFEST_FILE, MAX_JSON),
                new TypeReference<List<DockerArchiveEntry>>() {});
        Map<String, StoredLayer> layers = new HashMap<>();
        List<NamedImage> out = new ArrayList<>();
        for (DockerArchiveEntry entry : entries) {
            if (entry.config() == null) {
                throw new IOException("docker archive manifest entry without Config");
            }
            byte[] configBytes = files.readAll(entry.config(), MAX_JSON);
            ImageConfig config = ImageJson.read(configBytes, ImageConfig.class);
            Digest configDigest = store.write(configBytes);
            List<Digest> diffIds = config.diffIds();
            if (diffIds.size() != entry.layers().size()) {
                throw new IOException("image " + entry.config() + " lists " + entry.layers().size()
                        + " layers but its config has " + diffIds.size() + " diffIDs");
            }
            List<Descriptor> layerDescriptors = new ArrayList<>();
            for (int i = 0; i < entry.layers().size(); i++) {
                String path = entry.layers().get(i);
                StoredLayer layer = layers.get(path);
                if (layer == null) {
                    layer = storeLayer(files, path);
                    layers.put(path, layer);
                }
                if (!layer.diffId().equals(diffIds.get(i))) {
                    throw new IOException("layer " + path + " has diffID " + layer.diffId() + " but the config says "
                            + diffIds.get(i));
                }
                layerDescriptors.add(layer.descriptor());
            }
            ImageManifest manifest = ImageManifest.docker(
                    Descriptor.of(MediaTypes.DOCKER_CONFIG, configDigest, configBytes.length), layerDescriptors);
            byte[] manifestBytes = manifest.toJson();
            Descriptor manifestDescriptor = Descriptor.of(MediaTypes.DOCKER_MANIFEST, store.write(manifestBytes),
                    manifestBytes.length);
            if (entry.repoTags().isEmpty()) {
                out.add(new NamedImage(Optional.empty(), manifestDescriptor));
            }
            for (String tag : entry.repoTags()) {
                out.add(NamedImage.of(ImageReference.parse(tag).toString(), manifestDescriptor));
            }
        }
        return out;
    }

    private StoredLayer storeLayer(ArchiveFiles files, String path) throws IOException {
        Digest digest;
        long size;
        try (InputStream in = files.open(path); ContentStore.Writer w = store.writer()) {
            in.transferTo(w.stream());
            size = w.written();
            digest = w.commit(Optional.empty());
        }
        Compression compression;
        Digest diffId;
        try (InputStream raw = new BufferedInputStream(store.open(digest), 64 * 1024)) {
            compression = Compression.detect(raw);
            if (compression == Compression.NONE) {
                diffId = digest;
            } else {
                try (InputStream plain = compression.decompress(raw)) {
                    diffId = Digest.sha256(plain);
                }
            }
        }
        return new StoredLayer(Descriptor.of(compression.dockerMediaType(), digest, size), diffId);
    }
}
