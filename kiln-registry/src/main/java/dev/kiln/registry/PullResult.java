package dev.kiln.registry;

import dev.kiln.oci.Descriptor;

/**
 * What a pull stored. Everything the {@link #root()} references for the pulled platform is
 * in the content store.
 *
 * @param image      the resolved image
 * @param root       the index or manifest the reference points at (stored last)
 * @param downloaded blobs whose bytes were downloaded (layers and config)
 * @param present    blobs the store already had
 * @param bytes      bytes downloaded for blobs
 */
public record PullResult(ResolvedImage image, Descriptor root, int downloaded, int present, long bytes) {}
