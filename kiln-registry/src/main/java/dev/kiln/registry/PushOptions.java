package dev.kiln.registry;

import java.util.List;

/**
 * Tuning for one push.
 *
 * @param mountFrom  repositories on the same registry that may hold the blobs (e.g. the
 *                   base image's), tried for a cross-repository mount in addition to the
 *                   ones the client saw the blobs in
 * @param chunkSize  blobs larger than this are uploaded in {@code PATCH} chunks of this size;
 *                   smaller ones in one {@code PUT}
 */
public record PushOptions(List<String> mountFrom, long chunkSize) {
    /** The default chunk size: 16 MiB. */
    public static final long DEFAULT_CHUNK_SIZE = 16L << 20;

    public PushOptions {
        mountFrom = List.copyOf(mountFrom);
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
    }

    public static PushOptions defaults() {
        return new PushOptions(List.of(), DEFAULT_CHUNK_SIZE);
    }

    public PushOptions withMountFrom(List<String> repositories) {
        return new PushOptions(repositories, chunkSize);
    }

    public PushOptions withChunkSize(long bytes) {
        return new PushOptions(mountFrom, bytes);
    }
}
