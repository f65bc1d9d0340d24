package dev.kiln.worker;

import dev.kiln.common.files.FileTrees;
import dev.kiln.oci.fs.DeviceNodes;
import dev.kiln.oci.fs.FileInfo;
import dev.kiln.oci.fs.FileModes;
import dev.kiln.oci.fs.FileTimes;
import dev.kiln.oci.fs.Xattrs;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.snapshot.OverlayMarkers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Set;

/**
 * The file-level difference of two trees written as an overlay diff, for a {@link DiffRunner}
 * whose inputs do not share snapshots: an entry of {@code upper} is written when it is new or
 * differs from {@code lower}'s in type, permissions, owner, size, modification time, symlink
 * target or device number (contents are not read: as containerd's differ, equal metadata
 * counts as unchanged); a directory is written when its own metadata changed or something below
 * it did; an entry only {@code lower} has becomes a whiteout (0/0 character device). Hard links
 * of {@code upper} are written as separate files, sockets are skipped, and of the extended
 * attributes only {@code security.capability} is kept. Symlinks are never followed. Stateless.
 */
final class TreeChanges {
    private static final String CAPABILITY = "security.capability";

    private TreeChanges() {}

    /** Writes the changes from {@code lower} to {@code upper} into the existing empty dir {@code out}. */
    static void write(Path lower, Path upper, Path out) throws IOException {
        diffDirectory(lower, upper, out);
        copyMetadata(upper, FileInfo.of(upper), out);
    }

    /** Whether {@code dir} of an overlay diff carries either opaque marker. */
    static boolean isOpaque(Path dir) throws IOException {
        for (String name : new String[] {OverlayMarkers.OVERLAY_OPAQUE, OverlayMarkers.USER_OVERLAY_OPAQUE}) {
            var v = Xattrs.get(dir, name);
            if (v.isPresent() && new String(v.get(), StandardCharsets.UTF_8).equals("y")) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether anything was written under {@code out}. */
    private static boolean diffDirectory(Path lower, Path upper, Path out) throws IOException {
        Set<String> names = FileTrees.childNames(lower);
        names.addAll(FileTrees.childNames(upper));
        boolean wrote = false;
        for (String name : names) {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("cancelled");
            }
            Path l = lower.resolve(name);
            Path u = upper.resolve(name);
            Path o = out.resolve(name);
            FileInfo li = stat(l);
            FileInfo ui = stat(u);
            if (ui == null) {
                DeviceNodes.createWhiteout(o);
                wrote = true;
            } else if (li == null || li.isDirectory() != ui.isDirectory()) {
                wrote |= copyWhole(u, ui, o);
            } else if (ui.isDirectory()) {
                Files.createDirectory(o);
                boolean below = diffDirectory(l, u, o);
                if (below || !sameOwnerAndMode(li, ui)) {
                    copyMetadata(u, ui, o);
                    wrote = true;
                } else {
                    Files.delete(o);
                }
            } else if (!same(l, li, u, ui)) {
                wrote |= copyWhole(u, ui, o);
            }
        }
        return wrote;
    }

    private static boolean sameOwnerAndMode(FileInfo a, FileInfo b) {
        return a.mode() == b.mode() && a.uid() == b.uid() && a.gid() == b.gid();
    }

    private static boolean same(Path l, FileInfo li, Path u, FileInfo ui) throws IOException {
        if (!sameOwnerAndMode(li, ui)) {
            return false;
        }
        return switch (ui.type()) {
            case FileInfo.S_IFLNK -> Files.readSymbolicLink(l).equals(Files.readSymbolicLink(u));
            case FileInfo.S_IFCHR, FileInfo.S_IFBLK -> li.rdev() == ui.rdev();
            case FileInfo.S_IFREG -> li.size() == ui.size() && Objects.equals(li.lastModified(), ui.lastModified());
            default -> true;
        };
    }

    /** Copies one entry of {@code upper} (a directory with all below it) to {@code to}; false when skipped. */
    private static boolean copyWhole(Path from, FileInfo info, Path to) throws IOException {
        switch (info.type()) {
            case FileInfo.S_IFDIR -> {
                Files.createDirectory(to);
                new LayerApplier(LayerApplier.Mode.MERGED).applyDirectory(from, LayerSource.TREE, to);
            }
            case FileInfo.S_IFREG -> {
                Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                var cap = Xattrs.get(from, CAPABILITY);
                if (cap.isPresent()) {
                    Xattrs.set(to, CAPABILITY, cap.get());
                }
            }
            case FileInfo.S_IFLNK -> Files.createSymbolicLink(to, Files.readSymbolicLink(from));
            case FileInfo.S_IFCHR -> DeviceNodes.createCharDevice(to, info.permissions(), info.devMajor(), info.devMinor());
            case FileInfo.S_IFBLK -> DeviceNodes.createBlockDevice(to, info.permissions(), info.devMajor(), info.devMinor());
            case FileInfo.S_IFIFO -> DeviceNodes.createFifo(to, info.permissions());
            default -> {
                return false;
            }
        }
        copyMetadata(from, info, to);
        return true;
    }

    /** Owner, permissions and modification time of {@code from} onto {@code to} (symlinks: owner and time). */
    private static void copyMetadata(Path from, FileInfo info, Path to) throws IOException {
        Files.setAttribute(to, "unix:uid", info.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(to, "unix:gid", info.gid(), LinkOption.NOFOLLOW_LINKS);
        if (!info.isSymlink()) {
            FileModes.chmod(to, info.permissions());
        }
        FileTimes.set(to, info.lastModified().toInstant());
    }

    private static FileInfo stat(Path p) throws IOException {
        try {
            return FileInfo.of(p);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
