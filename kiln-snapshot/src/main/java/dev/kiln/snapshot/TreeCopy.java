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

/** Copies whole trees with their metadata: the copying snapshotter's and cache seeding's one tool. */
public final class TreeCopy {
    private TreeCopy() {}

    /**
     * Copies the contents of directory {@code from} into the existing directory {@code to},
     * keeping modes, owners and times and never following a symbolic link; {@code to} takes
     * {@code from}'s owner and mode too.
     */
    public static void copyContents(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path dest = to.resolve(from.relativize(dir).toString());
                if (!dir.equals(from)) {
                    Files.copy(dir, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path dest = to.resolve(from.relativize(file).toString());
                Files.copy(file, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isSymbolicLink()) {
                    Files.getFileAttributeView(dest, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setTimes(attrs.lastModifiedTime(), attrs.lastAccessTime(), null);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                // copying children changed the directory's mtime; restore it and its mode/owner
                Path dest = to.resolve(from.relativize(dir).toString());
                Files.setLastModifiedTime(dest, Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS));
                if (dir.equals(from)) {
                    TreeDiff.copyOwnerAndMode(dir, dest);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
