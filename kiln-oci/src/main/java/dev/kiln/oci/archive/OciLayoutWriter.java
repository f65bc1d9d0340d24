package dev.kiln.oci.archive;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ImageIndex;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes images from a {@link ContentStore} as an OCI image layout: {@code oci-layout},
 * {@code index.json} and {@code blobs/sha256/…}, either as a directory or as a tar (what
 * {@code skopeo inspect oci-archive:} and {@code podman load} read). Each named image is an
 * entry of {@code index.json} with the annotations BuildKit writes:
 * {@code org.opencontainers.image.ref.name} = the tag and {@code io.containerd.image.name} =
 * the full name. Files at a path are written temp-then-rename. Thread-safe; holds the store.
 */
public final class OciLayoutWriter {
    public static final String LAYOUT_FILE = "oci-layout";
    public static final String LAYOUT_CONTENT = "{\"imageLayoutVersion\":\"1.0.0\"}";
    public static final String INDEX_FILE = "index.json";
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    public static final String IMAGE_NAME = "io.containerd.image.name";

    private final ContentStore store;

    public OciLayoutWriter(ContentStore store) {
        this.store = store;
    }

    /** Writes an OCI layout tar at {@code dest} (replacing it only once complete). */
    public void writeTar(List<NamedImage> images, Path dest) throws IOException {
        AtomicFile.writeFile(dest, tmp -> {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 256 * 1024)) {
                writeTar(images, out);
            }
        });
    }

    /** Streams an OCI layout tar (e.g. to stdout); does not close {@code out}. */
    public void writeTar(List<NamedImage> images, OutputStream out) throws IOException {
        ImageIndex index = index(images);
        ArchiveTarWriter tar = new ArchiveTarWriter(out);
        tar.file(LAYOUT_FILE, LAYOUT_CONTENT.getBytes(StandardCharsets.UTF_8));
        tar.file(INDEX_FILE, index.toJson());
        tar.directory("blobs");
        tar.directory("blobs/sha256");
        for (Descriptor d : blobs(images)) {
            Digest digest = d.digestValue();
            long size = store.size(digest).orElseThrow(() -> new IOException("blob " + digest + " is not in the content store"));
            try (InputStream in = store.open(digest)) {
                tar.file("blobs/" + digest.algorithm() + "/" + digest.hex(), size, in);
            }
        }
        tar.finish();
    }

    /** Writes an OCI layout directory at {@code dest}; an existing directory there is replaced once complete. */
    public void writeDirectory(List<NamedImage> images, Path dest) throws IOException {
        ImageIndex index = index(images);
        List<Descriptor> blobs = blobs(images);
        AtomicFile.writeDirectory(dest, tmp -> {
            Files.writeString(tmp.resolve(LAYOUT_FILE), LAYOUT_CONTENT);
            Path blobDir = Files.createDirectories(tmp.resolve("blobs").resolve("sha256"));
            for (Descriptor d : blobs) {
                try (InputStream in = store.open(d.digestValue())) {
                    Files.copy(in, blobDir.resolve(d.digestValue().hex()));
                }
            }
            Files.write(tmp.resolve(INDEX_FILE), index.toJson());
        });
    }

    /** The {@code index.json} for the images: one entry per name (or one unnamed entry). */
    public static ImageIndex index(List<NamedImage> images) {
        List<Descriptor> entries = new ArrayList<>();
        for (NamedImage image : images) {
            Map<String, String> annotations = new LinkedHashMap<>(image.manifest().annotations());
            image.name().ifPresent(name -> {
                ImageReference ref = ImageReference.parse(name);
                annotations.put(IMAGE_NAME, ref.toString());
                if (ref.tag() != null) {
                    annotations.put(REF_NAME, ref.tag());
                }
            });
            entries.add(image.manifest().withAnnotations(annotations));
        }
        return ImageIndex.oci(entries);
    }

    private List<Descriptor> blobs(List<NamedImage> images) throws IOException {
        Map<String, Descriptor> all = new LinkedHashMap<>();
        for (NamedImage image : images) {
            for (Descriptor d : ContentGraph.reachable(store, image.manifest(), true)) {
                all.putIfAbsent(d.digest(), d);
            }
        }
        List<Descriptor> sorted = new ArrayList<>(all.values());
        sorted.sort((a, b) -> a.digest().compareTo(b.digest()));
        return sorted;
    }
}
