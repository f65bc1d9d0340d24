package dev.kiln.snapshot;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a snapshotter knows about one snapshot: its key, its {@link Kind}, its parent and when it was
 * created. Returned by {@link Snapshotter#stat} and {@link Snapshotter#list}; a value, not a handle.
 *
 * @param name the key of an active or view snapshot, or the name of a committed one
 * @param kind whether the snapshot is active (writable), a view (read-only) or committed (immutable)
 * @param parent the name of the committed snapshot below it, if any
 * @param created when the snapshot was prepared (kept through commit)
 */
public record Info(String name, Kind kind, Optional<String> parent, Instant created) {

    /** The three states of containerd's snapshot lifecycle. */
    public enum Kind {
        /** Writable, made by {@link Snapshotter#prepare}; may be committed or removed. */
        ACTIVE,
        /** Read-only, made by {@link Snapshotter#view}; may only be removed. */
        VIEW,
        /** Immutable, made by {@link Snapshotter#commit}; may be a parent; removable once childless. */
        COMMITTED
    }

    public Info {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(created, "created");
    }
}
