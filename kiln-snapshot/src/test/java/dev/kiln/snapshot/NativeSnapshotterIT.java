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

            Path diff = s.diff("child-c", tmp.resolve("diff"));
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

            Path baseDiff = s.diff("base", tmp.resolve("base-diff"));
            assertThat(baseDiff.resolve("dir/old")).hasContent("x");
            assertThat(Files.isSymbolicLink(baseDiff.resolve("link"))).isTrue();
            assertThat(Files.getAttribute(baseDiff.resolve("same"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1000);
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
