package dev.kiln.snapshot;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A copying {@link Snapshotter} for hosts without overlayfs, like containerd's {@code native}
 * snapshotter: {@link #prepare} copies the whole parent tree into the new snapshot's {@code fs}
 * (owners, modes, times, symlinks, device nodes and {@code user.*} xattrs kept; hard links are
 * copied as separate files), and every active snapshot is mounted as a plain bind mount of its own
 * {@code fs}. A {@link #view} does not copy: it is a read-only bind mount of the parent's tree.
 * Same layout, metadata and crash rules as {@link OverlaySnapshotter} (see
 * {@link DirectorySnapshotter}), without the {@code l/} links.
 *
 * <p><b>{@link #diffDir} is not a diff here</b>: it holds the snapshot's complete tree. A layer is
 * made from {@link #diff(String, Path)}, which compares the snapshot with its parent and writes the
 * changes into an empty directory in overlay form — new and changed entries with their parent
 * directories, a 0/0 character device for each deleted path (CAP_MKNOD needed) — so the same
 * upper-dir-to-tar code serves both snapshotters. Deletions are always spelled as individual
 * whiteouts; this snapshotter never produces opaque directories.
 *
 * <p>Importing a base layer works as with overlay ({@code prepare}, fill {@code diffDir}, {@code
 * commit}) as long as the layer is applied onto the copy, i.e. its whiteouts are interpreted by the
 * caller rather than stored. Thread-safe; one instance per root.
 */
public final class NativeSnapshotter extends DirectorySnapshotter {

    /** Opens (creating if needed) the snapshot state under {@code root} and removes crash leftovers. */
    public NativeSnapshotter(Path root) {
        super(root);
        removeOrphans();
    }

    @Override
    protected void populate(SnapshotRecord record, Path dir, List<SnapshotRecord> parents) throws IOException {
        if (record.kind() == Info.Kind.ACTIVE && !parents.isEmpty()) {
            TreeCopy.copyContents(dirOf(parents.getFirst()).resolve("fs"), dir.resolve("fs"));
        }
    }

    @Override
    protected List<Mount> mountsFor(SnapshotRecord record, List<SnapshotRecord> parents) {
        if (record.kind() == Info.Kind.VIEW) {
            Path source = parents.isEmpty() ? dirOf(record).resolve("fs") : dirOf(parents.getFirst()).resolve("fs");
            return List.of(new Mount("bind", source.toString(), List.of("ro", "rbind")));
        }
        return List.of(new Mount("bind", dirOf(record).resolve("fs").toString(), List.of("rw", "rbind")));
    }

    /**
     * Writes into {@code target} (an empty or missing directory) what snapshot {@code key} changed
     * relative to its parent, as an overlay upper dir would hold it; returns {@code target}. A snapshot
     * without a parent yields a copy of its whole tree.
     */
    public Path diff(String key, Path target) {
        Path tree = diffDir(key);
        Path parentTree = stat(key).orElseThrow().parent().map(this::diffDir).orElse(null);
        try {
            Files.createDirectories(target);
            if (parentTree == null) {
                TreeCopy.copyContents(tree, target);
            } else {
                TreeDiff.write(parentTree, tree, target);
            }
            return target;
        } catch (IOException e) {
            throw new SnapshotException("cannot compute the diff of snapshot " + key + ": " + e, e);
        }
    }

}
