package dev.kiln.oci.layer;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.kiln.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How a layer blob is compressed: the media types that name it (OCI and Docker), detection
 * from the first bytes of a blob, and stream wrappers. Gzip output has no file name and an
 * mtime of 0 (the JDK writes such a header), so equal tars compress to equal blobs.
 */
public enum Compression {
    NONE(MediaTypes.OCI_LAYER, MediaTypes.DOCKER_LAYER),
    GZIP(MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP),
    ZSTD(MediaTypes.OCI_LAYER_ZSTD, MediaTypes.DOCKER_LAYER_ZSTD);

    private final String ociMediaType;
    private final String dockerMediaType;

    Compression(String ociMediaType, String dockerMediaType) {
        this.ociMediaType = ociMediaType;
        this.dockerMediaType = dockerMediaType;
    }

    public String ociMediaType() {
        return ociMediaType;
    }

    public String dockerMediaType() {
        return dockerMediaType;
    }

    /** The layer media type for an OCI or a Docker manifest. */
    public String mediaType(boolean oci) {
        return oci ? ociMediaType : dockerMediaType;
    }

    /** The compression a layer media type names (including the non-distributable variants), if any. */
    public static java.util.Optional<Compression> fromMediaType(String mediaType) {
        if (mediaType == null) {
            return java.util.Optional.empty();
        }
        if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
            return java.util.Optional.of(GZIP);
        }
        if (mediaType.endsWith("+zstd") || mediaType.endsWith(".tar.zstd")) {
            return java.util.Optional.of(ZSTD);
        }
        if (mediaType.endsWith(".tar") || mediaType.endsWith("layer.v1.tar")) {
            return java.util.Optional.of(NONE);
        }
        return java.util.Optional.empty();
    }

    /** Detects the compression from a blob's first bytes (gzip 1f 8b, zstd 28 b5 2f fd), else NONE. */
    public static Compression detect(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        return NONE;
    }

    /** Detects the compression of a stream without consuming it (the stream must support mark). */
    public static Compression detect(InputStream in) throws IOException {
        if (!in.markSupported()) {
            throw new IllegalArgumentException("detection needs a stream that supports mark/reset");
        }
        in.mark(4);
        byte[] head = in.readNBytes(4);
        in.reset();
        return detect(head, head.length);
    }

    /** Wraps a stream of this compression into one of the plain bytes. Closing it closes {@code in}. */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
        };
    }

    /** Detects the compression of {@code in} and returns the plain bytes. */
    public static InputStream decompressDetected(InputStream in) throws IOException {
        InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in, 64 * 1024);
        return detect(buffered).decompress(buffered);
    }

    /**
     * Wraps {@code out} so that bytes written are compressed into it. Closing the returned stream
     * finishes the compressed stream and closes {@code out}.
     */
    public OutputStream compress(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out, 64 * 1024) {
                {
                    def.setLevel(Deflater.DEFAULT_COMPRESSION);
                }
            };
            case ZSTD -> new ZstdOutputStream(out, 3);
        };
    }
}
