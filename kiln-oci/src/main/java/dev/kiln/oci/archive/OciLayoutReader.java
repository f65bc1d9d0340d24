package dev.kiln.oci.archive;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageIndex;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads an OCI image layout (a directory or an uncompressed tar) into a {@link ContentStore}:
 * picks the images of {@code index.json} (all, or the one a selector names), copies every blob
 * they consist of, verifying each against its digest, and returns them with their names
 * ({@code io.containerd.image.name}, else {@code org.opencontainers.image.ref.name}).
 * Thread-safe; holds the store.
 */
public final class OciLayoutReader {
    private static final int MAX_JSON = 16 * 1024 * 1024;
    private final ContentStore store;

    public OciLayoutReader(ContentStore store) {
        this.store = store;
    }

    /**
     * Imports the images of a layout. With a selector (a tag such as {@code 1}, a full name, or a
     * manifest digest) only the matching entry is imported; without one, all entries are.
     *
     * @throws KilnException when the selector matches nothing
     */
    public List<NamedImage> read(Path layout, Optional<String> selector) throws IOException {
        try (ArchiveFiles files = ArchiveFiles.open(layout)) {
            return read(files, selector);
        }
    }

    /** Imports exactly one image: the one the selector names, or the only one the layout has. */
    public NamedImage readOne(Path layout, Optional<String> selector) throws IOException {
        List<NamedImage> images = read(layout, selector);
        if (images.size() != 1) {
            throw new KilnException(layout + " holds " + images.size() + " images; name one by tag or digest");
        }
        return images.getFirst();
    }

    List<NamedImage> read(ArchiveFiles files, Optional<String> selector) throws IOException {
        if (!files.exists(OciLayoutWriter.LAYOUT_FILE)) {
            throw new IOException("not an OCI image layout: no " + OciLayoutWriter.LAYOUT_FILE);
        }
        ImageIndex index = ImageJson.read(files.readAll(OciLayoutWriter.INDEX_FILE, MAX_JSON), ImageIndex.class);
        List<NamedImage> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            Optional<String> name = Optional.ofNullable(d.annotations().get(OciLayoutWriter.IMAGE_NAME))
                    .or(() -> Optional.ofNullable(d.annotations().get(OciLayoutWriter.REF_NAME)));
            if (selector.isPresent() && !matches(d, selector.get())) {
                continue;
            }
            importTree(files, d, 0);
            out.add(new NamedImage(name, d));
        }
        if (selector.isPresent() && out.isEmpty()) {
            throw new KilnException("no image " + selector.get() + " in the OCI layout");
        }
        return out;
    }

    static boolean matches(Descriptor d, String selector) {
        if (selector.equals(d.digest()) || selector.equals(d.annotations().get(OciLayoutWriter.REF_NAME))
                || selector.equals(d.annotations().get(OciLayoutWriter.IMAGE_NAME))) {
            return true;
        }
        String name = d.annotations().get(OciLayoutWriter.IMAGE_NAME);
        if (name == null) {
            return false;
        }
        try {
            return ImageReference.parse(selector).toString().equals(ImageReference.parse(name).toString());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void importTree(ArchiveFiles files, Descriptor d, int depth) throws IOException {
        if (depth > 8) {
            throw new IOException("image indexes nested too deep at " + d.digest());
        }
        importBlob(files, d);
        if (MediaTypes.isIndex(d.mediaType())) {
            ImageIndex index = ImageJson.read(store.readAll(d.digestValue()), ImageIndex.class);
            for (Descriptor m : index.manifests()) {
                if (files.exists(blobPath(m.digestValue())) || store.exists(m.digestValue())) {
                    importTree(files, m, depth + 1);
                }
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            ImageManifest manifest = ImageJson.read(store.readAll(d.digestValue()), ImageManifest.class);
            importBlob(files, manifest.config());
            for (Descriptor layer : manifest.layers()) {
                importBlob(files, layer);
            }
        }
    }

    private void importBlob(ArchiveFiles files, Descriptor d) throws IOException {
        Digest digest = d.digestValue();
        if (store.exists(digest)) {
            return;
        }
        String path = blobPath(digest);
        if (!files.exists(path)) {
            throw new IOException("blob " + digest + " is missing from the OCI layout");
        }
        try (InputStream in = files.open(path); ContentStore.Writer w = store.writer()) {
            in.transferTo(w.stream());
            if (d.size() != w.written()) {
                throw new IOException("blob " + digest + " has " + w.written() + " bytes, descriptor says " + d.size());
            }
            w.commit(Optional.of(digest));
        }
    }

    static String blobPath(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex();
    }
}
