package dev.kiln.worker;

import dev.kiln.oci.fs.Xattrs;
import dev.kiln.snapshot.OverlayMarkers;
import dev.kiln.worker.fs.FileMeta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Removes directories that overlayfs copied up without a change from a finished step's upper
 * dir, as BuildKit's overlay differ ignores them. A RUN step makes the runtime create mount
 * stubs such as {@code /etc/hosts}; removing the stub afterwards leaves {@code /etc} copied
 * up, empty, with the lower directory's mode, owner and time. Without this every RUN layer
 * would carry an {@code /etc} entry.
 *
 * <p>It also clears the opaque marker of an upper directory whose path holds no directory in
 * the lower layers (the nearest lower entry is a file, symlink or whiteout, or there is none).
 * Overlayfs marks a directory opaque whenever it is created where a whiteout was (a RUN that
 * replaces a symlink by a directory, a merge that stacks a directory over a base's symlink), but
 * only a directory can merge with the one above it, so there the marker hides nothing and would
 * only put a needless {@code .wh..wh..opq} into the layer (and make a linked copy's layer
 * depend on the base it was merged onto).
 *
 * <p>A directory is pruned only when it is empty in the upper dir (after pruning below it),
 * is not opaque, and the nearest lower layer that has the path holds a directory with the
 * same mode, owner and modification time.
 *
 * <p>Only for snapshotters whose active snapshots are overlay upper dirs
 * ({@link dev.kiln.snapshot.Snapshotter.Layout#CHANGES}): on a whole tree it would delete real,
 * empty directories.
 */
final class CopyUpPruner {
    private CopyUpPruner() {}

    /** Prunes {@code upper}; {@code lowers} are the parent snapshots' layer dirs, nearest first. */
    static void prune(Path upper, List<Path> lowers) throws IOException {
        if (lowers.isEmpty()) {
            return;
        }
        List<Path> children;
        try (var s = Files.list(upper)) {
            children = s.toList();
        }
        for (Path c : children) {
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                pruneDir(c, upper.relativize(c).toString(), lowers);
            }
        }
    }

    /** Whether the nearest lower layer with an entry at {@code rel} has a directory there. */
    private static boolean lowerHasDirectory(String rel, List<Path> lowers) {
        for (Path lower : lowers) {
            Path candidate = lower.resolve(rel);
            if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                return Files.isDirectory(candidate, LinkOption.NOFOLLOW_LINKS);
            }
        }
        return false;
    }

    /** Returns whether {@code dir} was removed. */
    private static boolean pruneDir(Path dir, String rel, List<Path> lowers) throws IOException {
        FileMeta mine = FileMeta.read(dir);
        List<Path> children;
        try (var s = Files.list(dir)) {
            children = s.toList();
        }
        boolean empty = true;
        boolean removedAny = false;
        for (Path c : children) {
            boolean removed = Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)
                    && pruneDir(c, rel + "/" + c.getFileName(), lowers);
            empty &= removed;
            removedAny |= removed;
        }
        if (removedAny) {
            Files.setLastModifiedTime(dir, mine.mtime());
        }
        if (OverlayMarkers.isOpaque(dir)) {
            if (!lowerHasDirectory(rel, lowers)) {
                Xattrs.remove(dir, OverlayMarkers.opaqueXattr());
            }
            return false;
        }
        if (!empty) {
            return false;
        }
        for (Path lower : lowers) {
            Path candidate = lower.resolve(rel);
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (!Files.isDirectory(candidate, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            FileMeta theirs = FileMeta.read(candidate);
            if (mine.mode() == theirs.mode() && mine.uid() == theirs.uid() && mine.gid() == theirs.gid()
                    && mine.mtime().equals(theirs.mtime())) {
                Files.delete(dir);
                return true;
            }
            return false;
        }
        return false;
    }
}
