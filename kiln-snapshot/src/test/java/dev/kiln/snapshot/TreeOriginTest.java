package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeOriginTest {

    @TempDir
    Path tmp;

    @Test
    void recordsEveryEntryAndSeesEachKindOfChange() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.createDirectories(tree.resolve("dir/sub"));
        Files.writeString(tree.resolve("dir/file"), "x");
        Files.writeString(tree.resolve("written"), "x");
        Files.writeString(tree.resolve("chmodded"), "x");
        Files.writeString(tree.resolve("read"), "x");
        Files.createSymbolicLink(tree.resolve("link"), Path.of("dir"));
        Path file = tmp.resolve("origin");
        TreeOrigin.record(tree, file);
        TreeOrigin origin = TreeOrigin.load(file);
        assertThat(origin.entries()).containsOnlyKeys("", "dir", "dir/sub", "dir/file", "written", "chmodded", "read", "link");

        Files.writeString(tree.resolve("written"), "y");
        Files.setAttribute(tree.resolve("chmodded"), "unix:mode", 0600);
        Files.readString(tree.resolve("read"));
        Files.delete(tree.resolve("dir/sub"));
        Files.createDirectory(tree.resolve("dir/sub"));

        assertThat(changed(origin, tree, "written")).isTrue();
        assertThat(changed(origin, tree, "chmodded")).isTrue();
        assertThat(changed(origin, tree, "read")).isFalse();
        assertThat(changed(origin, tree, "link")).isFalse();
        assertThat(origin.get("dir/sub").sameObject(TreeOrigin.Identity.of(tree.resolve("dir/sub")))).isFalse();
        assertThat(origin.get("dir").sameObject(TreeOrigin.Identity.of(tree.resolve("dir")))).isTrue();
        assertThat(TreeOrigin.load(tmp.resolve("missing")).entries()).isEmpty();
    }

    private static boolean changed(TreeOrigin origin, Path tree, String rel) throws Exception {
        return !origin.get(rel).unchanged(TreeOrigin.Identity.of(tree.resolve(rel)));
    }
}
