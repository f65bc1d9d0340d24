package dev.kiln.oci.archive;

import dev.kiln.common.KilnException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.layer.Compression;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code kiln load -i FILE} reads: an OCI layout (tar or directory) or a {@code docker save}
 * archive, optionally gzip- or zstd-compressed (decompressed to a temporary file first). It
 * detects which of the two the input is (an archive with both {@code index.json} and
 * {@code manifest.json}, as Docker 25 writes, is read as an OCI layout) and imports the images
 * into the store. Thread-safe; holds the store.
 */
public final class ImageArchiveReader {
    /** The kinds of archive Kiln reads. */
    public enum Format { OCI_LAYOUT, DOCKER_ARCHIVE }

    /** The result of a load: the format found and the images imported. */
    public record Loaded(Format format, List<NamedImage> images) {
        public Loaded {
            Objects.requireNonNull(format, "format");
            images = List.copyOf(images);
        }
    }

    private final ContentStore store;

    public ImageArchiveReader(ContentStore store) {
        this.store = store;
    }

    /** Detects the format of an uncompressed archive or a directory. */
    public static Format detect(Path archive) throws IOException {
        try (ArchiveFiles files = ArchiveFiles.open(archive)) {
            return detect(files, archive);
        }
    }

    private static Format detect(ArchiveFiles files, Path archive) throws IOException {
        if (files.exists(OciLayoutWriter.LAYOUT_FILE) && files.exists(OciLayoutWriter.INDEX_FILE)) {
            return Format.OCI_LAYOUT;
        }
        if (files.exists(DockerArchiveReader.MANIFEST_FILE)) {
            return Format.DOCKER_ARCHIVE;
        }
        throw new IOException(archive + " is neither an OCI image layout nor a docker archive"
                + " (no oci-layout + index.json, no manifest.json)");
    }

    /** Imports every image of the archive. */
    public Loaded load(Path archive) throws IOException {
        return load(archive, Optional.empty());
    }

    /**
     * Imports the images of the archive that {@code selector} picks (a tag or full name, or a
     * manifest digest; all when empty). A docker archive's blobs are stored whatever the selector.
     *
     * @throws dev.kiln.common.KilnException when the selector matches nothing
     */
    public Loaded load(Path archive, Optional<String> selector) throws IOException {
        if (Files.isDirectory(archive)) {
            return loadPlain(archive, selector);
        }
        Compression compression;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
            compression = Compression.detect(in);
        }
        if (compression == Compression.NONE) {
            return loadPlain(archive, selector);
        }
        Path tmp = Files.createTempFile("kiln-load-", ".tar");
        try {
            try (InputStream in = compression.decompress(new BufferedInputStream(Files.newInputStream(archive)))) {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return loadPlain(tmp, selector);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The images a selector (a name or a manifest digest) picks out of a docker archive's images. */
    private static List<NamedImage> select(List<NamedImage> images, Optional<String> selector) {
        if (selector.isEmpty()) {
            return images;
        }
        String want = selector.get();
        String normalised;
        try {
            normalised = want.startsWith("sha256:") ? want : ImageReference.parse(want).toString();
        } catch (IllegalArgumentException e) {
            normalised = want;
        }
        String match = normalised;
        List<NamedImage> picked = images.stream()
                .filter(i -> i.manifest().digest().equals(want) || i.name().map(match::equals).orElse(false))
                .toList();
        if (picked.isEmpty()) {
            throw new KilnException("no image " + want + " in the docker archive");
        }
        return picked;
    }

    private Loaded loadPlain(Path archive, Optional<String> selector) throws IOException {
        try (ArchiveFiles files = ArchiveFiles.open(archive)) {
            Format format = detect(files, archive);
            return switch (format) {
                case OCI_LAYOUT -> new Loaded(format, new OciLayoutReader(store).read(files, selector));
                case DOCKER_ARCHIVE -> new Loaded(format, select(new DockerArchiveReader(store).read(files), selector));
            };
        }
    }
}
