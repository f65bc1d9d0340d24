package dev.kiln.oci.archive;

import dev.kiln.oci.Descriptor;
import java.util.Objects;
import java.util.Optional;

/**
 * An image in an archive: the descriptor of its manifest (or index) and, when the archive
 * names it, its reference ({@code docker.io/library/app:1}; for an OCI layout entry that only
 * has a {@code org.opencontainers.image.ref.name}, that tag as written).
 */
public record NamedImage(Optional<String> name, Descriptor manifest) {
    public NamedImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(manifest, "manifest");
    }

    public static NamedImage of(String name, Descriptor manifest) {
        return new NamedImage(Optional.ofNullable(name), manifest);
    }
}
