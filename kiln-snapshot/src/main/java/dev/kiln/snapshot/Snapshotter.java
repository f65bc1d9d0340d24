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
 * <p>Two views of a snapshot's files serve layers. {@link #layerDir} is a committed snapshot's change
 * against its parent in overlay upper-dir form, whatever the implementation: a layer tar is made
 * from it and a merge replays it. {@link #diffDir} is where an active snapshot's files live on disk;
 * its {@link #layout()} says whether that is only the changes (overlay) or the whole tree (a
 * copying snapshotter), and so how a base-image layer is unpacked into it without mounting
 * anything: {@code prepare(key, parent)}, apply the layer to {@code diffDir(key)} as the layout
 * asks, {@code commit(name, key)}.
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
     * The directory holding this snapshot's files, as {@link #layout()} describes them: for
     * {@link Layout#CHANGES} the overlay upper directory (deletions are 0/0 character devices,
     * opaque directories carry the overlay opaque xattr), for {@link Layout#WHOLE_TREE} the
     * snapshot's complete tree. Write into it only while the snapshot is active and not mounted.
     */
    Path diffDir(String key);

    /** What {@link #diffDir} of an active snapshot holds, and so how a layer is applied into it. */
    Layout layout();

    /**
     * The change committed snapshot {@code name} makes to its parent, as an overlay upper dir holds
     * it: new and changed entries with their parent directories, a 0/0 character device for each
     * deleted path, the overlay opaque xattr ({@code trusted.overlay.opaque} or, in a user namespace,
     * {@code user.overlay.opaque}) on each directory that replaces its parent's. Where the state dir's
     * file system cannot hold 0/0 devices, a copying snapshotter writes the layer tar's names instead
     * (empty files {@code .wh.NAME} and {@code .wh..wh..opq}), which a layer tar made from the
     * directory carries just the same. A snapshot without a parent yields its whole tree. The directory is owned by the snapshotter, must not be written,
     * and stays valid until the snapshot is removed; it may be computed on the first call (and kept),
     * so the first call can take as long as reading the snapshot.
     */
    Path layerDir(String name);

    /** All snapshots, in no particular order. */
    List<Info> list();

    /** How an implementation stores an active snapshot's files in {@link #diffDir}. */
    enum Layout {
        /**
         * Only the snapshot's own changes, in overlay upper-dir form: a layer is applied as an
         * overlay diff (whiteouts become 0/0 character devices, opaque directories get the xattr).
         */
        CHANGES,
        /**
         * The whole tree, which starts as a copy of the parent's: a layer is applied as onto a root
         * file system (whiteouts delete, an opaque directory loses what it held before).
         */
        WHOLE_TREE
    }

    /** Releases the state directory; does not unmount or remove anything. */
    @Override
    void close();
}
