package dev.kiln.snapshot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares two directory trees and writes the changes from {@code lower} to {@code upper} in overlay
 * upper-dir form (used by {@link NativeSnapshotter#diff}): an entry is copied when it is new or when
 * its type, mode, owner, size or modification time (for a symlink: its target) differs; a directory is written
 * when it changed or holds a change below it; a path present only in {@code lower} becomes a
 * whiteout (0/0 character device). A directory replaced by a non-directory, or the reverse, is
 * written whole. Symlinks are never followed.
 */
final class TreeDiff {

    private static final String ATTRS = "unix:mode,uid,gid,size,lastModifiedTime";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    private TreeDiff() {}

    /** Writes the changes from {@code lower} to {@code upper} into {@code out}, which must exist. */
    static void write(Path lower, Path upper, Path out) throws IOException {
        diffDirectory(lower, upper, out);
        copyOwnerAndMode(upper, out);
        Files.setLastModifiedTime(out, Files.getLastModifiedTime(upper, LinkOption.NOFOLLOW_LINKS));
    }

    /** Returns whether anything was written under {@code out} for this directory pair. */
    private static boolean diffDirectory(Path lower, Path upper, Path out) throws IOException {
        Set<String> names = new TreeSet<>(list(lower));
        names.addAll(list(upper));
        boolean wrote = false;
        for (String name : names) {
            Path l = lower.resolve(name);
            Path u = upper.resolve(name);
            Path o = out.resolve(name);
            boolean inLower = Files.exists(l, LinkOption.NOFOLLOW_LINKS);
            boolean inUpper = Files.exists(u, LinkOption.NOFOLLOW_LINKS);
            if (!inUpper) {
                OverlayMarkers.makeWhiteout(o);
                wrote = true;
                continue;
            }
            Map<String, Object> ua = Files.readAttributes(u, ATTRS, LinkOption.NOFOLLOW_LINKS);
            boolean upperIsDir = type(ua) == S_IFDIR;
            if (!inLower) {
                copyWhole(u, o, upperIsDir);
                wrote = true;
                continue;
            }
            Map<String, Object> la = Files.readAttributes(l, ATTRS, LinkOption.NOFOLLOW_LINKS);
            if (upperIsDir && type(la) == S_IFDIR) {
                Files.createDirectory(o);
                boolean below = diffDirectory(l, u, o);
                boolean changed = !sameMetadata(la, ua);
                if (below || changed) {
                    copyOwnerAndMode(u, o);
                    Files.setLastModifiedTime(o, Files.getLastModifiedTime(u, LinkOption.NOFOLLOW_LINKS));
                    wrote = true;
                } else {
                    Files.delete(o);
                }
            } else if (!sameMetadata(la, ua) || !sameLinkTarget(l, u, ua)) {
                copyWhole(u, o, upperIsDir);
                wrote = true;
            }
        }
        return wrote;
    }

    /** Same type, mode, owner and — except for directories and symlinks — size and mtime. */
    private static boolean sameMetadata(Map<String, Object> a, Map<String, Object> b) {
        boolean dir = (type(a) == S_IFDIR && type(b) == S_IFDIR) || (type(a) == S_IFLNK && type(b) == S_IFLNK);
        return Objects.equals(a.get("mode"), b.get("mode"))
                && Objects.equals(a.get("uid"), b.get("uid"))
                && Objects.equals(a.get("gid"), b.get("gid"))
                && (dir || Objects.equals(a.get("size"), b.get("size")))
                && (dir || Objects.equals(a.get("lastModifiedTime"), b.get("lastModifiedTime")));
    }

    private static boolean sameLinkTarget(Path l, Path u, Map<String, Object> ua) throws IOException {
        return type(ua) != S_IFLNK || Files.readSymbolicLink(l).equals(Files.readSymbolicLink(u));
    }

    private static int type(Map<String, Object> attrs) {
        return (Integer) attrs.get("mode") & S_IFMT;
    }

    private static void copyWhole(Path from, Path to, boolean directory) throws IOException {
        if (directory) {
            Files.createDirectory(to);
            TreeCopy.copyContents(from, to);
        } else {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Copies owner and permission bits (not following links) from one path to another. */
    static void copyOwnerAndMode(Path from, Path to) throws IOException {
        Map<String, Object> a = Files.readAttributes(from, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(to, "unix:uid", a.get("uid"), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(to, "unix:gid", a.get("gid"), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(to, "unix:mode", (Integer) a.get("mode") & 07777, LinkOption.NOFOLLOW_LINKS);
    }

    private static Set<String> list(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return names;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                names.add(p.getFileName().toString());
            }
        }
        return names;
    }
}
