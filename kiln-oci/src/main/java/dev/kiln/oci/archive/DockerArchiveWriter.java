package dev.kiln.oci.archive;

import dev.kiln.common.Digest;
import dev.kiln.common.Platform;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.oci.image.ImageReader;
import dev.kiln.oci.layer.Compression;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes images as a {@code docker save} archive that {@code docker load}, {@code podman load}
 * and {@code skopeo … docker-archive:} read: {@code manifest.json}, {@code repositories}, the
 * config as {@code HEX.json} and each layer uncompressed as {@code DIFFID/layer.tar} (blobs are
 * decompressed through a temporary file and checked against their diffID). An index is
 * resolved to the given platform's manifest first. Files at a path are written
 * temp-then-rename. Thread-safe; holds the store.
 */
public final class DockerArchiveWriter {
    private final ContentStore store;
    private final Platform platform;

    public DockerArchiveWriter(ContentStore store, Platform platform) {
        this.store = store;
        this.platform = platform;
    }

    /** Writes the archive at {@code dest}, replacing it only once complete. */
    public void write(List<NamedImage> images, Path dest) throws IOException {
        AtomicFile.writeFile(dest, tmp -> {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 256 * 1024)) {
                write(images, out, tmp.getParent());
            }
        });
    }

    /** Streams the archive; layers are staged in {@code scratchDir}. Does not close {@code out}. */
    public void write(List<NamedImage> images, OutputStream out, Path scratchDir) throws IOException {
        ImageReader reader = new ImageReader(store);
        Map<String, ResolvedImage> byManifest = new LinkedHashMap<>();
        Map<String, List<String>> tags = new LinkedHashMap<>();
        for (NamedImage image : images) {
            ResolvedImage r = reader.resolve(image.manifest(), platform);
            String key = r.manifestDescriptor().digest();
            byManifest.putIfAbsent(key, r);
            List<String> t = tags.computeIfAbsent(key, k -> new ArrayList<>());
            image.name().ifPresent(n -> t.add(repoTag(n)));
        }
        ArchiveTarWriter tar = new ArchiveTarWriter(out);
        List<DockerArchiveEntry> entries = new ArrayList<>();
        Map<String, Map<String, String>> repositories = new TreeMap<>();
        Set<String> writtenLayers = new HashSet<>();
        for (var e : byManifest.entrySet()) {
            ResolvedImage r = e.getValue();
            Digest configDigest = r.configDescriptor().digestValue();
            String configName = configDigest.hex() + ".json";
            tar.file(configName, reader.readVerified(r.configDescriptor()));
            List<String> layerNames = new ArrayList<>();
            List<Digest> diffIds = r.config().diffIds();
            for (int i = 0; i < r.manifest().layers().size(); i++) {
                Descriptor layer = r.manifest().layers().get(i);
                String name = diffIds.get(i).hex() + "/layer.tar";
                if (writtenLayers.add(name)) {
                    tar.directory(diffIds.get(i).hex());
                    writeLayer(tar, name, layer, diffIds.get(i), scratchDir);
                }
                layerNames.add(name);
            }
            List<String> repoTags = tags.get(e.getKey());
            entries.add(new DockerArchiveEntry(configName, repoTags, layerNames));
            for (String tag : repoTags) {
                int colon = tag.lastIndexOf(':');
                String top = layerNames.isEmpty() ? configDigest.hex() : layerNames.getLast().split("/")[0];
                repositories.computeIfAbsent(tag.substring(0, colon), k -> new TreeMap<>()).put(tag.substring(colon + 1), top);
            }
        }
        tar.file("manifest.json", ImageJson.write(entries));
        tar.file("repositories", ImageJson.write(repositories));
        tar.finish();
    }

    /** Docker's short form of a name, with a tag ({@code latest} when none). */
    static String repoTag(String name) {
        ImageReference ref = ImageReference.parse(name);
        if (ref.tag() == null) {
            ref = new ImageReference(ref.registry(), ref.repository(), "latest", null);
        } else if (ref.digest() != null) {
            ref = ref.withTag(ref.tag());
        }
        return ref.familiar();
    }

    private void writeLayer(ArchiveTarWriter tar, String name, Descriptor layer, Digest diffId, Path scratchDir)
            throws IOException {
        Path tmp = Files.createTempFile(scratchDir, ".layer-", ".tar");
        try {
            MessageDigest md = Digest.newSha256();
            try (InputStream in = Compression.decompressDetected(store.open(layer.digestValue()));
                    OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                in.transferTo(out);
            }
            Digest actual = Digest.fromSha256(md.digest());
            if (!actual.equals(diffId)) {
                throw new IOException("layer " + layer.digest() + " uncompresses to " + actual + ", config says " + diffId);
            }
            try (InputStream in = Files.newInputStream(tmp)) {
                tar.file(name, Files.size(tmp), in);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
