package dev.kiln.oci.image;

import dev.kiln.oci.Descriptor;
import java.util.Objects;

/**
 * One platform's image as {@link ImageReader} found it: the descriptor of the manifest that was
 * chosen (the entry of an index, or the descriptor given), the manifest and its config.
 */
public record ResolvedImage(Descriptor manifestDescriptor, ImageManifest manifest, Descriptor configDescriptor,
        ImageConfig config) {
    public ResolvedImage {
        Objects.requireNonNull(manifestDescriptor, "manifestDescriptor");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(configDescriptor, "configDescriptor");
        Objects.requireNonNull(config, "config");
    }
}
