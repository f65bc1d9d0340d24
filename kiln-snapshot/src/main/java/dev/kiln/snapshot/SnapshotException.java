package dev.kiln.snapshot;

import dev.kiln.common.KilnException;

/**
 * A snapshot operation that cannot be done: unknown key, key already taken, parent not committed,
 * removing a snapshot that still has children, or an I/O or mount failure underneath. The message
 * names the snapshot and the reason.
 */
public class SnapshotException extends KilnException {

    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
