package dev.kiln.executor;

import java.util.List;
import java.util.Objects;

/**
 * An extra mount of a RUN step, in OCI runtime-spec terms: a bind mount of a host directory or file
 * (a cache mount, a secret, the build context), a tmpfs, ...
 *
 * @param destination absolute path inside the container
 * @param type {@code "bind"}, {@code "tmpfs"}, ...
 * @param source host path for a bind mount, the filesystem source otherwise
 * @param options mount options, e.g. {@code rbind}, {@code ro}
 */
public record MountSpec(String destination, String type, String source, List<String> options) {

    public MountSpec {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        if (!destination.startsWith("/")) {
            throw new IllegalArgumentException("mount destination must be absolute: " + destination);
        }
        options = List.copyOf(options);
    }

    /** A read-write or read-only recursive bind mount of {@code source} at {@code destination}. */
    public static MountSpec bind(String source, String destination, boolean readOnly) {
        return new MountSpec(destination, "bind", source, readOnly ? List.of("rbind", "ro") : List.of("rbind", "rw"));
    }

    /** Whether this is a bind mount (type {@code bind} or option {@code bind}/{@code rbind}). */
    public boolean isBind() {
        return type.equals("bind") || options.contains("bind") || options.contains("rbind");
    }
}
