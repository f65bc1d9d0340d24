package dev.kiln.worker;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * The writable, throw-away copy of a bind source that {@code RUN --mount=type=bind,rw} (and any
 * bind of the client's context) gets where an overlay over the source cannot serve: on a host
 * without overlayfs (the copying snapshotter is in use), or rootless when the source holds files
 * owned by ids outside the user namespace, which an overlay cannot copy up (writes fail with
 * EOVERFLOW). The copy goes into the step's private scratch tmpfs and is discarded with it.
 *
 * <p>Paths the context's .dockerignore excludes are left out (as the overlay's whiteouts would
 * hide them). Modes, times and symlinks are kept; owners are kept where this process can set
 * them, and files whose owner cannot be represented here become owned by the caller, which is
 * what makes them writable. Stateless.
 */
final class ScratchCopy {
    /** The id the kernel shows for owners outside this user namespace ({@code /proc/sys/kernel/overflowuid}). */
    private static final int OVERFLOW_ID = overflowId();

    private ScratchCopy() {}

    /**
     * Copies {@code dir} (the tree's root, or the directory at {@code prefix} inside it) into the
     * existing directory {@code target}, leaving out what {@code tree} excludes; returns {@code target}.
     */
    static Path copy(MountedTree tree, Path dir, String prefix, Path target) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (d.equals(dir)) {
                    return FileVisitResult.CONTINUE;
                }
                if (tree.skipDirectory(rel(d))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.copy(d, dest(d), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (tree.excluded(rel(f))) {
                    return FileVisitResult.CONTINUE;
                }
                Path to = dest(f);
                Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isSymbolicLink()) {
                    Files.getFileAttributeView(to, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setTimes(attrs.lastModifiedTime(), attrs.lastAccessTime(), null);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException exc) {
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Path to = d.equals(dir) ? target : dest(d);
                if (d.equals(dir)) {
                    ContextWhiteouts.mirror(d, target);
                } else {
                    Files.setLastModifiedTime(to, Files.getLastModifiedTime(d, LinkOption.NOFOLLOW_LINKS));
                }
                return FileVisitResult.CONTINUE;
            }

            private Path dest(Path p) {
                return target.resolve(dir.relativize(p).toString());
            }

            private String rel(Path p) {
                String r = dir.relativize(p).toString();
                return prefix.isEmpty() ? r : prefix + "/" + r;
            }
        });
        return target;
    }

    /**
     * Whether {@code dir} holds an entry (not under a directory {@code tree} skips) whose owner or
     * group is the overflow id, i.e. lies outside this user namespace's id map.
     */
    static boolean holdsUnmappedOwners(MountedTree tree, Path dir, String prefix) throws IOException {
        boolean[] found = {false};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(dir) && tree.skipDirectory(rel(d))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return check(d);
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                return check(f);
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException exc) {
                return FileVisitResult.CONTINUE;
            }

            private FileVisitResult check(Path p) throws IOException {
                Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
                if ((Integer) a.get("uid") == OVERFLOW_ID || (Integer) a.get("gid") == OVERFLOW_ID) {
                    found[0] = true;
                    return FileVisitResult.TERMINATE;
                }
                return FileVisitResult.CONTINUE;
            }

            private String rel(Path p) {
                String r = dir.relativize(p).toString();
                return prefix.isEmpty() ? r : prefix + "/" + r;
            }
        });
        return found[0];
    }

    private static int overflowId() {
        try {
            // not Files.readString: it reads sysctl files of /proc in pieces and gets "6" for "65534"
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/overflowuid")).getFirst().strip());
        } catch (IOException | RuntimeException e) {
            return 65534;
        }
    }
}
