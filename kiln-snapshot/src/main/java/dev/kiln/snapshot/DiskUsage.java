package dev.kiln.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * Measures a directory tree for {@link Snapshotter#usage}: apparent size of regular files and symlink
 * targets, and the number of distinct inodes, hard links counted once. Does not follow symlinks or
 * look at block allocation (the JDK does not expose {@code st_blocks}).
 */
final class DiskUsage {

    private DiskUsage() {}

    static Usage of(Path dir) {
        long[] totals = new long[2];
        Set<Object> seen = new HashSet<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    count(attrs);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    count(attrs);
                    return FileVisitResult.CONTINUE;
                }

                private void count(BasicFileAttributes attrs) {
                    Object key = attrs.fileKey();
                    if (key != null && !seen.add(key)) {
                        return;
                    }
                    totals[1]++;
                    if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
                        totals[0] += attrs.size();
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
        return new Usage(totals[0], totals[1]);
    }
}
