package dev.kiln.worker.gc;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing in the state dir that takes space, as {@code kiln du} lists it and
 * {@code kiln prune} removes it: a committed snapshot (a built step's result, or an unpacked
 * base-image layer), a content blob, or a {@code RUN --mount=type=cache} directory.
 *
 * @param id          the snapshot name, the blob digest, or the cache mount's directory name
 * @param size        bytes on disk of this record alone (a snapshot's own diff, not its parents)
 * @param lastUsed    when a build last used it (a cache hit, a commit, a write)
 * @param description what made it: the step ({@code [2/4] RUN make}), the image that needs a blob
 * @param inUse       a running build holds it (an active snapshot above it, say); never pruned
 * @param reclaimable whether prune may remove it: not in use and not needed by a stored image
 * @param parent      a snapshot's parent snapshot; a parent is only removed after its children
 */
public record StorageRecord(String id, Type type, long size, Instant lastUsed, String description, boolean inUse,
                            boolean reclaimable, Optional<String> parent) {

    /** The kinds of record; {@link #label} is how {@code --filter type=…} and {@code du} name them. */
    public enum Type {
        /** A snapshot committed by a build step (RUN, COPY, …). */
        SNAPSHOT("snapshot"),
        /** A snapshot holding one unpacked base-image layer (shared by every image on that base). */
        LAYER("layer"),
        /** A blob in the content store: layer tars, configs, manifests. */
        CONTENT("content"),
        /** A {@code RUN --mount=type=cache} directory. */
        CACHE_MOUNT("cachemount");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The type a label names; throws for an unknown one, listing the known ones. */
        public static Type ofLabel(String label) {
            for (Type t : values()) {
                if (t.label.equals(label)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown record type \"" + label
                    + "\": want snapshot, layer, content or cachemount");
        }
    }

    public StorageRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(lastUsed, "lastUsed");
        description = description == null ? "" : description;
        parent = parent == null ? Optional.empty() : parent;
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + id);
        }
    }

    /** Whether it is a snapshot of either kind. */
    public boolean isSnapshot() {
        return type == Type.SNAPSHOT || type == Type.LAYER;
    }
}
