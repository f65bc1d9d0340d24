package dev.kiln.snapshot;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One row of a {@link SnapshotTable}: a snapshot's stable numeric id (its directory name under
 * {@code snapshots/}), its current name, kind, parent id and creation time.
 */
record SnapshotRecord(long id, String name, Info.Kind kind, Optional<Long> parentId, Instant created) {

    SnapshotRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(parentId, "parentId");
        Objects.requireNonNull(created, "created");
        if (id <= 0) {
            throw new IllegalArgumentException("snapshot id must be positive: " + id);
        }
    }

    SnapshotRecord committedAs(String newName) {
        return new SnapshotRecord(id, newName, Info.Kind.COMMITTED, parentId, created);
    }
}
