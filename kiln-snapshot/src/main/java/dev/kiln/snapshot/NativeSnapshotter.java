package dev.kiln.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A copying {@link Snapshotter} for hosts without overlayfs, like containerd's {@code native}
 * snapshotter: {@link #prepare} copies the whole parent tree into the new snapshot's {@code fs}
 * (owners, modes, times, symlinks, device nodes and {@code user.*} xattrs kept; hard links are
 * copied as separate files, as an overlay copy-up separates them) and records the identity of
 * every copied entry ({@link TreeOrigin}, in {@code snapshots/<id>/origin}); every active snapshot
 * is mounted as a plain bind mount of its own {@code fs}. A {@link #view} does not copy: it is a
 * read-only bind mount of the parent's tree. Same layout, metadata and crash rules as
 * {@link OverlaySnapshotter} (see {@link DirectorySnapshotter}), without the {@code l/} links.
 *
 * <p>{@link #diffDir} holds the snapshot's complete tree ({@link Layout#WHOLE_TREE}): a base layer is
 * imported by applying it onto that copy, whiteouts deleting. {@link #layerDir} compares a committed
 * snapshot with its parent ({@link TreeDiff}) and writes the change in overlay form — new and
 * changed entries with their parent directories, a 0/0 character device for each deleted path,
 * an opaque marker on each directory that was deleted and made again — into
 * {@code snapshots/<id>/layer} (built under a temporary name, then renamed), once: committed
 * snapshots never change, so every later call returns the kept directory. Where the state dir's file
 * system refuses 0/0 devices (overlayfs underneath, as in a container), deletions and opaque
 * directories are written as the tar's {@code .wh.} names instead ({@link TreeDiff.Markers}). The same layer tar and
 * merge code then serves both snapshotters, and a step gives the same layer on either. A snapshot
 * without a parent is its own layer.
 *
 * <p>Thread-safe; one instance per root.
 */
public final class NativeSnapshotter extends DirectorySnapshotter {

    private static final String LAYER = "layer";
    private static final String ORIGIN = "origin";

    private final Map<String, Object> layerLocks = new ConcurrentHashMap<>();
    private final TreeDiff.Markers markers;

    /** Opens (creating if needed) the snapshot state under {@code root} and removes crash leftovers. */
    public NativeSnapshotter(Path root) {
        super(root, SnapshotterKind.NATIVE);
        removeOrphans();
        markers = holdsWhiteoutDevices(snapshotsDir)
                ? new TreeDiff.OverlayForm(OverlayMarkers.opaqueXattr()) : new TreeDiff.TarNames();
    }

    /** Whether a 0/0 character device can be made in {@code dir} (overlayfs, for one, refuses them). */
    private static boolean holdsWhiteoutDevices(Path dir) {
        Path probe = dir.resolve(".whiteout-probe-" + UUID.randomUUID());
        try {
            OverlayMarkers.makeWhiteout(probe);
            return OverlayMarkers.isWhiteout(probe);
        } catch (SyscallException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                // a leftover is deleted by removeOrphans at the next open
            }
        }
    }

    @Override
    public Layout layout() {
        return Layout.WHOLE_TREE;
    }

    @Override
    protected void populate(SnapshotRecord record, Path dir, List<SnapshotRecord> parents) throws IOException {
        if (record.kind() == Info.Kind.ACTIVE && !parents.isEmpty()) {
            TreeCopy.copyContents(dirOf(parents.getFirst()).resolve("fs"), dir.resolve("fs"));
            TreeOrigin.record(dir.resolve("fs"), dir.resolve(ORIGIN));
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

    @Override
    public Path layerDir(String name) {
        SnapshotRecord record = committed(name);
        var parent = parentOf(record);
        Path dir = dirOf(record);
        if (parent.isEmpty()) {
            return dir.resolve("fs");
        }
        Path layer = dir.resolve(LAYER);
        synchronized (layerLocks.computeIfAbsent(name, k -> new Object())) {
            if (Files.isDirectory(layer)) {
                return layer;
            }
            Path tmp = dir.resolve(LAYER + ".tmp-" + UUID.randomUUID());
            try {
                removeUnfinishedLayers(dir);
                Files.createDirectory(tmp);
                TreeDiff.write(dirOf(parent.get()).resolve("fs"), dir.resolve("fs"), tmp,
                        TreeOrigin.load(dir.resolve(ORIGIN)), markers);
                Files.move(tmp, layer, StandardCopyOption.ATOMIC_MOVE);
                return layer;
            } catch (IOException | RuntimeException e) {
                deleteTree(tmp);
                throw new SnapshotException("cannot compute the layer of snapshot " + name + ": " + e, e);
            }
        }
    }

    /** The snapshot's tree, plus its kept layer when one was computed. */
    @Override
    public Usage usage(String key) {
        Usage tree = super.usage(key);
        Path layer = super.diffDir(key).resolveSibling(LAYER);
        if (!Files.isDirectory(layer)) {
            return tree;
        }
        Usage extra = DiskUsage.of(layer);
        return new Usage(tree.size() + extra.size(), tree.inodes() + extra.inodes());
    }

    private static void removeUnfinishedLayers(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().startsWith(LAYER + ".tmp-")) {
                    deleteTree(p);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
