package dev.kiln.oci.layer;

/**
 * What a directory handed to {@link LayerWriter} or {@link LayerTarEncoder} holds.
 */
public enum LayerSource {
    /**
     * An overlayfs upper dir: a diff against the layers below it. 0/0 character devices become
     * {@code .wh.NAME} whiteout entries and directories marked opaque (xattr
     * {@code trusted.overlay.opaque=y} or {@code user.overlay.opaque=y}) get a
     * {@code .wh..wh..opq} entry.
     */
    OVERLAY_DIFF,
    /** A plain tree taken whole; device nodes are kept as devices, nothing is a whiteout. */
    TREE
}
