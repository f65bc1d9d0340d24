package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NativeSnapshotter} with real bind mounts and whiteouts; needs root. */
class NativeSnapshotterIT {

    @TempDir
    Path tmp;

    private final Mounter mounter = new Mounter();

    @Test
    void copiesTheParentAndComputesAnOverlayStyleDiff() throws Exception {
        try (var s = new NativeSnapshotter(tmp.resolve("state"))) {
            Path target = Files.createDirectories(tmp.resolve("mnt"));
            mounter.mount(s.prepare("base-a", Optional.empty()), target);
            try {
                Files.writeString(target.resolve("same"), "unchanged");
                Files.writeString(target.resolve("changed"), "old");
                Files.writeString(target.resolve("deleted"), "bye");
                Files.createDirectories(target.resolve("dir/sub"));
                Files.writeString(target.resolve("dir/old"), "x");
                Files.setAttribute(target.resolve("same"), "unix:uid", 1000);
                Files.createSymbolicLink(target.resolve("link"), Path.of("same"));
            } finally {
                mounter.unmount(target);
            }
            s.commit("base", "base-a");

            s.prepare("child", Optional.of("base"));
            Path tree = s.diffDir("child");
            assertThat(tree.resolve("dir/old")).hasContent("x");
            assertThat(Files.getAttribute(tree.resolve("same"), "unix:uid")).isEqualTo(1000);
            assertThat(Files.readSymbolicLink(tree.resolve("link"))).isEqualTo(Path.of("same"));
            mounter.mount(s.mounts("child"), target);
            try {
                Files.writeString(target.resolve("changed"), "new!");
                Files.writeString(target.resolve("added"), "hi");
                Files.delete(target.resolve("deleted"));
                Files.delete(target.resolve("dir/old"));
                Files.delete(target.resolve("dir/sub"));
                Files.writeString(target.resolve("dir/z"), "z");
            } finally {
                mounter.unmount(target);
            }
            s.commit("child-c", "child");

            Path diff = s.layerDir("child-c");
            try (Stream<Path> top = Files.list(diff)) {
                assertThat(top).extracting(p -> p.getFileName().toString())
                        .containsExactlyInAnyOrder("changed", "added", "deleted", "dir");
            }
            assertThat(diff.resolve("changed")).hasContent("new!");
            assertThat(diff.resolve("added")).hasContent("hi");
            assertThat(OverlayMarkers.isWhiteout(diff.resolve("deleted"))).isTrue();
            assertThat(OverlayMarkers.isWhiteout(diff.resolve("dir/old"))).isTrue();
            assertThat(OverlayMarkers.isWhiteout(diff.resolve("dir/sub"))).isTrue();
            assertThat(diff.resolve("dir/z")).hasContent("z");

            Path baseDiff = s.layerDir("base");
            assertThat(baseDiff.resolve("dir/old")).hasContent("x");
            assertThat(Files.isSymbolicLink(baseDiff.resolve("link"))).isTrue();
            assertThat(Files.getAttribute(baseDiff.resolve("same"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1000);
        }
    }

    @Test
    void replacedEntriesShowAsOverlayWouldShowThem() throws Exception {
        try (var s = new NativeSnapshotter(tmp.resolve("state"))) {
            s.prepare("a", Optional.empty());
            Path base = s.diffDir("a");
            Files.writeString(base.resolve("same-size"), "aaaa");
            Files.writeString(base.resolve("chmodded"), "x");
            Files.writeString(base.resolve("file-to-dir"), "x");
            Files.createDirectories(base.resolve("dir-to-file/sub"));
            Files.writeString(base.resolve("untouched"), "x");
            Files.createDirectories(base.resolve("mtime-only"));
            s.commit("A", "a");

            s.prepare("b", Optional.of("A"));
            Path tree = s.diffDir("b");
            var mtime = Files.getLastModifiedTime(tree.resolve("same-size"));
            Path replacement = Files.writeString(tree.resolve("tmp"), "bbbb");
            Files.setLastModifiedTime(replacement, mtime);
            Files.move(replacement, tree.resolve("same-size"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setAttribute(tree.resolve("chmodded"), "unix:mode", 0600);
            Files.delete(tree.resolve("file-to-dir"));
            Files.createDirectory(tree.resolve("file-to-dir"));
            Files.delete(tree.resolve("dir-to-file/sub"));
            Files.delete(tree.resolve("dir-to-file"));
            Files.writeString(tree.resolve("dir-to-file"), "now a file");
            Files.setLastModifiedTime(tree.resolve("mtime-only"), java.nio.file.attribute.FileTime.fromMillis(0));
            Files.readString(tree.resolve("untouched"));
            s.commit("B", "b");

            assertThat(LayerTrees.describe(s.layerDir("B"))).containsExactly("chmodded file", "dir-to-file file",
                    "file-to-dir dir opaque", "mtime-only dir", "same-size file");
            assertThat(s.layerDir("B").resolve("same-size")).hasContent("bbbb");
            assertThat(s.usage("B").inodes()).isGreaterThan(s.usage("A").inodes());
        }
    }

    @Test
    void aCrashWhileComputingALayerLeavesNothingThatMatters() throws Exception {
        Path root = tmp.resolve("state");
        try (var s = new NativeSnapshotter(root)) {
            s.prepare("a", Optional.empty());
            Files.writeString(s.diffDir("a").resolve("f"), "1");
            s.commit("A", "a");
            s.prepare("b", Optional.of("A"));
            Files.writeString(s.diffDir("b").resolve("g"), "2");
            s.commit("B", "b");
            Path leftover = Files.createDirectories(s.diffDir("B").resolveSibling("layer.tmp-crashed"));
            Files.writeString(leftover.resolve("junk"), "junk");
            assertThat(LayerTrees.describe(s.layerDir("B"))).containsExactly("g file");
            assertThat(leftover).doesNotExist();
        }
    }

    @Test
    void viewIsAReadOnlyBindOfTheParentAndRestartKeepsSnapshots() throws Exception {
        Path root = tmp.resolve("state");
        try (var s = new NativeSnapshotter(root)) {
            s.prepare("a", Optional.empty());
            Files.writeString(s.diffDir("a").resolve("f"), "content");
            s.commit("A", "a");
        }
        try (var s = new NativeSnapshotter(root)) {
            assertThat(s.stat("A").orElseThrow().kind()).isEqualTo(Info.Kind.COMMITTED);
            List<Mount> view = s.view("v", Optional.of("A"));
            assertThat(view).containsExactly(new Mount("bind", s.diffDir("A").toString(), List.of("ro", "rbind")));
            Path target = Files.createDirectories(tmp.resolve("mnt"));
            mounter.mount(view, target);
            try {
                assertThat(target.resolve("f")).hasContent("content");
                assertThatThrownBy(() -> Files.writeString(target.resolve("g"), "x")).isInstanceOf(FileSystemException.class);
            } finally {
                mounter.unmount(target);
            }
            s.prepare("child", Optional.of("A"));
            assertThatThrownBy(() -> s.remove("A")).hasMessageContaining("have it as parent");
        }
    }
}
