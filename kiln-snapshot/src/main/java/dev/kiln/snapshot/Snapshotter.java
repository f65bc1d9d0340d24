package dev.kiln.snapshot;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * containerd's snapshotter lifecycle: layered filesystem trees identified by string keys.
 *
 * <p>A build step {@link #prepare prepares} an <em>active</em> snapshot on top of a committed parent,
 * mounts it with a {@link Mounter}, writes into it (a RUN step, a COPY), unmounts it and
 * {@link #commit commits} it under a new name. Committed snapshots are immutable and are the parents
 * of later snapshots; {@link #view Views} are read-only active snapshots for looking at a committed
 * tree. Keys of active snapshots and names of committed ones share one namespace.
 *
 * <p>{@link #diffDir} exposes a snapshot's own changes so that a layer tar can be made from it or a
 * base-image layer unpacked into it: {@code prepare(key, parent)}, write into {@code diffDir(key)},
 * {@code commit(name, key)} imports a layer without mounting anything.
 *
 * <p>Implementations are thread-safe. Closing releases the snapshotter's hold on its state directory;
 * snapshots themselves persist and are seen by the next instance over the same directory. Mounts
 * returned earlier stay valid after close as long as the snapshots are not removed. Errors are
 * {@link SnapshotException}s.
 */
public interface Snapshotter extends AutoCloseable {

    /** Creates a writable active snapshot {@code key} on top of committed {@code parent}; returns how to mount it. */
    List<Mount> prepare(String key, Optional<String> parent);

    /** Creates a read-only active snapshot {@code key} of committed {@code parent}; returns how to mount it. */
    List<Mount> view(String key, Optional<String> parent);

    /** The mounts of an existing active or view snapshot. */
    List<Mount> mounts(String key);

    /** Turns active snapshot {@code activeKey} into committed snapshot {@code name}, atomically. */
    void commit(String name, String activeKey);

    /**
     * Removes an active or view snapshot, or a committed one that no other snapshot has as parent.
     * The caller unmounts the snapshot first; its directory is deleted.
     */
    void remove(String key);

    /** Metadata of snapshot {@code key}, or empty if there is none. */
    Optional<Info> stat(String key);

    /** Bytes and inodes of the snapshot's own diff. */
    Usage usage(String key);

    /**
     * The directory holding this snapshot's own changes. For an overlay snapshotter this is the
     * overlay upper directory: deletions are 0/0 character devices, opaque directories carry
     * {@code trusted.overlay.opaque=y}. Implementations document where this differs.
     */
    Path diffDir(String key);

    /** All snapshots, in no particular order. */
    List<Info> list();

    /** Releases the state directory; does not unmount or remove anything. */
    @Override
    void close();
}
