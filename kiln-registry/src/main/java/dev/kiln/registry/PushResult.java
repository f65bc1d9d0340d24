package dev.kiln.registry;

import dev.kiln.common.Digest;
import dev.kiln.oci.ImageReference;

/**
 * What a push did.
 *
 * @param reference where the image went (tag, or digest when the reference had no tag)
 * @param digest    the digest of the pushed root manifest or index, as the registry stored it
 * @param mediaType the root's media type
 * @param uploaded  blobs whose bytes were uploaded
 * @param present   blobs the registry already had
 * @param mounted   blobs mounted from another repository of the same registry
 */
public record PushResult(ImageReference reference, Digest digest, String mediaType, int uploaded, int present, int mounted) {}
