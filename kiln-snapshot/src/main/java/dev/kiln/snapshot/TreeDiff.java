package dev.kiln.snapshot;

import dev.kiln.common.files.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares a copied tree ({@code upper}) with the tree it was copied from ({@code lower}) and writes
 * the changes in overlay upper-dir form, as overlayfs (with {@code redirect_dir} and
 * {@code metacopy} off) would have written them had the step run on an overlay (used by
 * {@link NativeSnapshotter#layerDir}):
 * <ul>
 *   <li>a path present only in {@code lower} becomes a whiteout (0/0 character device);</li>
 *   <li>a path present only in {@code upper} is copied whole;</li>
 *   <li>a non-directory present in both is copied when it is no longer the entry that was copied
 *   or was changed since ({@link TreeOrigin}: inode, birth and change time); without a recorded
 *   origin, when its type, mode, owner, size, modification time or link target differs;</li>
 *   <li>a directory that replaced a lower non-directory or a lower directory (deleted and made
 *   again: another inode or birth time) is copied whole and marked opaque;</li>
 *   <li>any other directory present in both is written when something below it was written or
 *   its mode, owner or modification time differs.</li>
 * </ul>
 * Names of one multiply linked file that are written are written as hard links of each other, as in
 * an overlay upper dir. Symlinks are never followed. One instance per comparison.
 */
final class TreeDiff {

    private static final String ATTRS = "unix:mode,uid,gid,size,lastModifiedTime,nlink,ino";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    private final TreeOrigin origin;
    private final Markers markers;
    /** Where each multiply linked file of {@code upper} was first written, so later names become links. */
    private final Map<Object, Path> linked = new java.util.HashMap<>();

    private TreeDiff(TreeOrigin origin, Markers markers) {
        this.origin = origin;
        this.markers = markers;
    }

    /**
     * How deletions and opaque directories are written. Overlay's own markers (a 0/0 character
     * device, the opaque xattr) are the norm; a file system that refuses to hold a 0/0 device
     * (a state dir on overlayfs itself, as inside a container) gets the layer tar's names instead:
     * an empty file {@code .wh.NAME} with mode 0 owned by 0:0 for a deletion and an empty
     * {@code .wh..wh..opq} in an opaque directory, which a layer tar carries and every applier
     * interprets by name (entries then sort by those names, so such a layer may list them in
     * another order than overlay's).
     */
    sealed interface Markers {
        void whiteout(Path path) throws IOException;

        void opaque(Path dir) throws IOException;
    }

    /** Overlay's markers: 0/0 character devices and the opaque xattr {@code xattr}. */
    record OverlayForm(String xattr) implements Markers {
        @Override
        public void whiteout(Path path) {
            OverlayMarkers.makeWhiteout(path);
        }

        @Override
        public void opaque(Path dir) {
            OverlayMarkers.set(dir, xattr, new byte[] {'y'});
        }
    }

    /** The layer tar's names as empty files (see {@link Markers}). */
    record TarNames() implements Markers {
        @Override
        public void whiteout(Path path) throws IOException {
            marker(path.resolveSibling(".wh." + path.getFileName()));
        }

        @Override
        public void opaque(Path dir) throws IOException {
            marker(dir.resolve(".wh..wh..opq"));
        }

        private static void marker(Path file) throws IOException {
            Files.createFile(file);
            Files.setAttribute(file, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(file, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(file, "unix:mode", 0, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /**
     * Writes the changes from {@code lower} to {@code upper} into {@code out}, which must exist;
     * {@code origin} identifies the entries of {@code upper} as they were right after the copy,
     * {@code markers} says how deletions and opaque directories are written.
     */
    static void write(Path lower, Path upper, Path out, TreeOrigin origin, Markers markers) throws IOException {
        new TreeDiff(origin, markers).diffDirectory(lower, upper, out, "");
        copyOwnerAndMode(upper, out);
        Files.setLastModifiedTime(out, Files.getLastModifiedTime(upper, LinkOption.NOFOLLOW_LINKS));
    }

    /** Returns whether anything was written under {@code out} for this directory pair. */
    private boolean diffDirectory(Path lower, Path upper, Path out, String rel) throws IOException {
        Set<String> names = FileTrees.childNames(lower);
        names.addAll(FileTrees.childNames(upper));
        boolean wrote = false;
        for (String name : names) {
            Path l = lower.resolve(name);
            Path u = upper.resolve(name);
            Path o = out.resolve(name);
            String childRel = rel.isEmpty() ? name : rel + "/" + name;
            boolean inLower = Files.exists(l, LinkOption.NOFOLLOW_LINKS);
            boolean inUpper = Files.exists(u, LinkOption.NOFOLLOW_LINKS);
            if (!inUpper) {
                markers.whiteout(o);
                wrote = true;
                continue;
            }
            Map<String, Object> ua = Files.readAttributes(u, ATTRS, LinkOption.NOFOLLOW_LINKS);
            boolean upperIsDir = type(ua) == S_IFDIR;
            if (!inLower) {
                if (upperIsDir) {
                    copyWhole(u, o, true);
                } else {
                    copyFile(u, o, ua);
                }
                wrote = true;
                continue;
            }
            Map<String, Object> la = Files.readAttributes(l, ATTRS, LinkOption.NOFOLLOW_LINKS);
            boolean lowerIsDir = type(la) == S_IFDIR;
            TreeOrigin.Identity copied = origin.get(childRel);
            if (upperIsDir) {
                boolean replaced = !lowerIsDir
                        || (copied != null && !copied.sameObject(TreeOrigin.Identity.of(u)));
                if (replaced) {
                    copyWhole(u, o, true);
                    markers.opaque(o);
                    wrote = true;
                    continue;
                }
                Files.createDirectory(o);
                boolean below = diffDirectory(l, u, o, childRel);
                if (below || !sameDirectoryMetadata(la, ua)) {
                    copyOwnerAndMode(u, o);
                    Files.setLastModifiedTime(o, Files.getLastModifiedTime(u, LinkOption.NOFOLLOW_LINKS));
                    wrote = true;
                } else {
                    Files.delete(o);
                }
                continue;
            }
            boolean changed;
            if (lowerIsDir) {
                changed = true;
            } else if (copied != null) {
                changed = !copied.unchanged(TreeOrigin.Identity.of(u));
            } else {
                changed = !sameMetadata(la, ua) || !sameLinkTarget(l, u, ua);
            }
            if (changed) {
                copyFile(u, o, ua);
                wrote = true;
            }
        }
        return wrote;
    }

    /** Same mode, owner and modification time: overlayfs would leave such a directory out (once pruned). */
    private static boolean sameDirectoryMetadata(Map<String, Object> a, Map<String, Object> b) {
        return Objects.equals(a.get("mode"), b.get("mode"))
                && Objects.equals(a.get("uid"), b.get("uid"))
                && Objects.equals(a.get("gid"), b.get("gid"))
                && Objects.equals(a.get("lastModifiedTime"), b.get("lastModifiedTime"));
    }

    /** Same type, mode, owner and — except for symlinks — size and mtime. */
    private static boolean sameMetadata(Map<String, Object> a, Map<String, Object> b) {
        boolean link = type(a) == S_IFLNK && type(b) == S_IFLNK;
        return Objects.equals(a.get("mode"), b.get("mode"))
                && Objects.equals(a.get("uid"), b.get("uid"))
                && Objects.equals(a.get("gid"), b.get("gid"))
                && (link || Objects.equals(a.get("size"), b.get("size")))
                && (link || Objects.equals(a.get("lastModifiedTime"), b.get("lastModifiedTime")));
    }

    private static boolean sameLinkTarget(Path l, Path u, Map<String, Object> ua) throws IOException {
        return type(ua) != S_IFLNK || Files.readSymbolicLink(l).equals(Files.readSymbolicLink(u));
    }

    private static int type(Map<String, Object> attrs) {
        return (Integer) attrs.get("mode") & S_IFMT;
    }

    /** Copies a non-directory, as a hard link to an earlier copy when it is one name of a multiply linked file. */
    private void copyFile(Path from, Path to, Map<String, Object> attrs) throws IOException {
        if (type(attrs) != S_IFLNK && (Integer) attrs.get("nlink") > 1) {
            Path first = linked.putIfAbsent(attrs.get("ino"), to);
            if (first != null) {
                Files.createLink(to, first);
                return;
            }
        }
        copyWhole(from, to, false);
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
}
