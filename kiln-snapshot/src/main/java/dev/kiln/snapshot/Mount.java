package dev.kiln.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * One mount, described the way containerd describes it: a filesystem {@code type} ({@code "bind"},
 * {@code "overlay"}, ...), a {@code source} and the options as {@code mount -o} would take them.
 *
 * <p>A snapshotter returns a list of these from {@link Snapshotter#prepare}, {@link Snapshotter#view}
 * and {@link Snapshotter#mounts}; a {@link Mounter} applies them to a target directory. Values are
 * immutable; the options list is copied.
 *
 * @param type the filesystem type; {@code "bind"} means a bind mount of {@code source}
 * @param source the device or directory mounted ({@code "overlay"} for overlayfs)
 * @param options flags ({@code ro}, {@code rbind}, ...) and filesystem data ({@code lowerdir=...})
 */
public record Mount(String type, String source, List<String> options) {

    public Mount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("mount type must not be empty");
        }
        options = List.copyOf(options);
    }

    /** Whether this is a bind mount ({@code type "bind"} or an option {@code bind}/{@code rbind}). */
    public boolean isBind() {
        return type.equals("bind") || options.contains("bind") || options.contains("rbind");
    }

    /** Whether the options ask for a read-only mount. */
    public boolean isReadOnly() {
        return options.contains("ro");
    }
}
