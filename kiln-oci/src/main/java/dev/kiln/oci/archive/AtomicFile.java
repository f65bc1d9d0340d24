package dev.kiln.oci.archive;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Temp-then-rename for archive outputs: the content is written next to the destination under a
 * hidden temporary name and renamed over it only when complete, so a failed or interrupted
 * write leaves no half-written file (or directory) at the destination. Public so that exporters
 * of other outputs (plain tars, local directories) follow the same rule. Stateless.
 */
public final class AtomicFile {
    /** Writes content into a given temporary path. */
    @FunctionalInterface
    public interface Body {
        void write(Path tmp) throws IOException;
    }

    private AtomicFile() {}

    static Path tempSibling(Path dest) throws IOException {
        Path abs = dest.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        return dir.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    }

    /** Writes a file at {@code dest} through a temporary sibling. */
    public static void writeFile(Path dest, Body body) throws IOException {
        Path tmp = tempSibling(dest);
        try {
            body.write(tmp);
            move(tmp, dest);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a directory at {@code dest} through a temporary sibling; an existing one is replaced. */
    public static void writeDirectory(Path dest, Body body) throws IOException {
        Path tmp = tempSibling(dest);
        Path old = null;
        try {
            Files.createDirectory(tmp);
            body.write(tmp);
            if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                old = tempSibling(dest);
                Files.move(dest, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteRecursively(tmp);
            if (old != null) {
                deleteRecursively(old);
            }
        }
    }

    private static void move(Path tmp, Path dest) throws IOException {
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path x : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(x);
            }
        }
    }
}
