package dev.kiln.oci.layer;

import dev.kiln.common.Digest;
import dev.kiln.oci.Descriptor;
import java.util.Objects;

/**
 * A layer that {@link LayerWriter} stored in the content store: the blob's descriptor (media type,
 * digest and size of the compressed bytes), the diffID (sha256 of the uncompressed tar, which
 * goes into the image config's {@code rootfs.diff_ids}), and whether the tar had no entries
 * (builders usually drop such layers and record an {@code empty_layer} history entry instead).
 */
public record LayerBlob(Descriptor descriptor, Digest diffId, boolean empty) {
    public LayerBlob {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(diffId, "diffId");
    }
}
