package dev.kiln.registry;

import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import java.util.List;
import java.util.Optional;

/**
 * An image reference resolved against a registry for one platform: the manifest (chosen
 * from an index when the reference names one), its config and its layers, with the exact
 * bytes of the manifest, index and config as the registry served them (their digests were
 * verified). Byte arrays are not copied; callers must not modify them.
 *
 * @param reference     what was resolved
 * @param source        where the content came from: {@code reference} itself, or the same
 *                      repository on a pull mirror of its registry
 * @param index         the index or manifest list the reference named, if it named one
 * @param indexBytes    the index's bytes; empty array when there is no index
 * @param manifest      the image manifest for the platform
 * @param manifestBytes the manifest's bytes
 * @param config        the config descriptor from the manifest
 * @param configBytes   the config's bytes
 * @param layers        the layer descriptors, base first
 */
public record ResolvedImage(ImageReference reference, ImageReference source, Optional<Descriptor> index, byte[] indexBytes,
        Descriptor manifest, byte[] manifestBytes, Descriptor config, byte[] configBytes, List<Descriptor> layers) {

    public ResolvedImage {
        layers = List.copyOf(layers);
    }

    /** The descriptor the reference points at: the index if there is one, else the manifest. */
    public Descriptor root() {
        return index.orElse(manifest);
    }
}
