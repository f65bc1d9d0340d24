package dev.kiln.oci.layer;

import dev.kiln.oci.fs.Xattrs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributeView;

/** Builds the directory trees the layer tests archive. */
final class LayerTestTrees {
    static final String LONG_DIR = "very-" + "long-".repeat(25) + "directory";

    private LayerTestTrees() {}

    /** A tree with files, dirs, an executable, symlinks, a hard link, a user xattr and a long path. */
    static Path build(Path root) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hostname"), "kiln\n");
        Files.createDirectories(root.resolve("bin"));
        Path tool = root.resolve("bin/tool");
        Files.write(tool, new byte[70_000]);
        Files.setAttribute(tool, "unix:mode", 0755);
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("tool"));
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/etc/hostname"));
        Files.createLink(root.resolve("bin/tool-again"), tool);
        Files.createDirectories(root.resolve("a/" + LONG_DIR + "/b"));
        Files.writeString(root.resolve("a/" + LONG_DIR + "/b/data.txt"), "deep", StandardCharsets.UTF_8);
        Files.writeString(root.resolve("a.txt"), "sorted after a/ by bytes? no: '.' < '/'");
        Xattrs.set(root.resolve("etc/hostname"), "user.kiln.test", new byte[] {0, 1, (byte) 0xfe});
        Files.createDirectories(root.resolve("empty"));
        return root;
    }

    static void setMtimeEverywhere(Path root, FileTime t) throws IOException {
        try (var all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, t, null);
            }
        }
    }
}
