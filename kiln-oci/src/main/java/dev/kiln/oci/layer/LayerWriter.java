package dev.kiln.oci.layer;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a directory into a layer blob in a {@link ContentStore} in one pass: the tar stream is
 * hashed as it is produced (the diffID), compressed, and the compressed bytes are hashed and
 * stored by the content store's writer (the blob digest and size). The blob appears in the
 * store only when complete. Thread-safe; holds only the store.
 */
public final class LayerWriter {
    private final ContentStore store;

    /**
     * How to write a layer.
     *
     * @param compression gzip by default; zstd or none on request
     * @param ociMediaTypes true for OCI layer media types, false for Docker's
     * @param sourceDateEpoch when present, mtimes later than this are set to it
     */
    public record Options(Compression compression, boolean ociMediaTypes, Optional<Instant> sourceDateEpoch) {
        public static final Options DEFAULT = new Options(Compression.GZIP, true, Optional.empty());

        public Options {
            Objects.requireNonNull(compression, "compression");
            sourceDateEpoch = sourceDateEpoch == null ? Optional.empty() : sourceDateEpoch;
        }

        public Options withCompression(Compression c) {
            return new Options(c, ociMediaTypes, sourceDateEpoch);
        }

        public Options withSourceDateEpoch(Instant t) {
            return new Options(compression, ociMediaTypes, Optional.ofNullable(t));
        }
    }

    public LayerWriter(ContentStore store) {
        this.store = store;
    }

    /** Writes {@code dir} as a layer and returns the stored blob's descriptor and diffID. */
    public LayerBlob write(Path dir, LayerSource source, Options options) throws IOException {
        try (ContentStore.Writer writer = store.writer()) {
            MessageDigest diff = Digest.newSha256();
            OutputStream compressed = options.compression().compress(writer.stream());
            int entries;
            try (OutputStream tarBytes = new BufferedOutputStream(new DigestOutputStream(compressed, diff), 64 * 1024)) {
                entries = writeTar(dir, source, options.sourceDateEpoch(), tarBytes);
            }
            long size = writer.written();
            Digest blob = writer.commit(Optional.empty());
            Descriptor descriptor = Descriptor.of(options.compression().mediaType(options.ociMediaTypes()), blob, size);
            return new LayerBlob(descriptor, Digest.fromSha256(diff.digest()), entries == 0);
        }
    }

    /**
     * Writes {@code dir} as a plain (uncompressed) tar, including the end-of-archive blocks, for
     * exporters that hand a tar to the user. Does not close {@code out}. Returns the entry count.
     */
    public static int writeTar(Path dir, LayerSource source, Optional<Instant> sourceDateEpoch, OutputStream out)
            throws IOException {
        TarStreamWriter tar = new TarStreamWriter(out);
        int entries = new LayerTarEncoder(source, sourceDateEpoch).encode(dir, tar);
        tar.finish();
        return entries;
    }
}
