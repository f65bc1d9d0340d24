package dev.kiln.oci;

import dev.kiln.common.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Blobs addressed by digest: layers, configs, manifests. Content is immutable once
 * committed. Writers stream into a temporary file and commit by renaming it into place after
 * checking the digest, so a crash never leaves a half-written blob under a real digest.
 *
 * <p>Thread-safe. Two writers of the same content may race; both commits succeed and the
 * blob is stored once.
 */
public interface ContentStore {

    boolean exists(Digest digest);

    /** Size in bytes, or empty when absent. */
    Optional<Long> size(Digest digest);

    /** Opens a stored blob for reading; the caller closes the stream. */
    InputStream open(Digest digest) throws IOException;

    /** The file that holds a stored blob (read-only use); throws if absent. */
    Path path(Digest digest) throws IOException;

    /** Reads a small blob (manifest, config) fully into memory. */
    byte[] readAll(Digest digest) throws IOException;

    /** Stores bytes and returns their digest. */
    Digest write(byte[] data) throws IOException;

    /** Starts a new blob. The caller writes into {@link Writer#stream()} then commits or closes. */
    Writer writer() throws IOException;

    /** Deletes a blob if present (garbage collection only). */
    void delete(Digest digest) throws IOException;

    /**
     * An in-progress blob. Closing without {@link #commit} discards it. Written bytes are
     * hashed as they are written.
     */
    interface Writer extends AutoCloseable {
        OutputStream stream();

        /** Bytes written so far. */
        long written();

        /**
         * Finishes the blob. When {@code expected} is given and differs from the digest of the
         * written bytes, the blob is discarded and a {@link ContentMismatchException} names both digests.
         */
        Digest commit(Optional<Digest> expected) throws IOException;

        @Override
        void close() throws IOException;
    }
}
