package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OverlaySnapshotter} and {@link Mounter} on real overlayfs; needs root. */
class OverlaySnapshotterIT {

    @TempDir
    Path tmp;

    private final Mounter mounter = new Mounter();
    private final List<Path> mounted = new ArrayList<>();

    @AfterEach
    void unmountLeftovers() {
        for (Path p : mounted.reversed()) {
            try {
                mounter.unmount(p);
            } catch (SyscallException ignored) {
                // already unmounted by the test
            }
        }
    }

    private Path mount(List<Mount> mounts, String name) throws Exception {
        Path target = Files.createDirectories(tmp.resolve("mnt").resolve(name));
        mounter.mount(mounts, target);
        mounted.add(target);
        return target;
    }

    @Test
    void chainOfThreeRecordsAddsChangesWhiteoutsAndOpaqueDirs() throws Exception {
        try (var s = new OverlaySnapshotter(tmp.resolve("state"))) {
            Path m0 = mount(s.prepare("base-active", Optional.empty()), "base");
            Files.writeString(m0.resolve("changed"), "old");
            Files.writeString(m0.resolve("deleted"), "bye");
            Files.createDirectories(m0.resolve("dir/sub"));
            Files.writeString(m0.resolve("dir/old"), "x");
            mounter.unmount(m0);
            s.commit("base", "base-active");

            Path m1 = mount(s.prepare("l1-active", Optional.of("base")), "l1");
            assertThat(m1.resolve("changed")).hasContent("old");
            Files.writeString(m1.resolve("changed"), "new");
            Files.writeString(m1.resolve("added"), "hi");
            Files.delete(m1.resolve("deleted"));
            sh("rm -rf " + m1.resolve("dir") + " && mkdir " + m1.resolve("dir") + " && echo z > " + m1.resolve("dir/z"));
            mounter.unmount(m1);
            s.commit("l1", "l1-active");

            Path diff = s.diffDir("l1");
            assertThat(diff.resolve("changed")).hasContent("new");
            assertThat(diff.resolve("added")).hasContent("hi");
            assertThat(OverlayMarkers.isWhiteout(diff.resolve("deleted"))).isTrue();
            assertThat(OverlayMarkers.isWhiteout(diff.resolve("added"))).isFalse();
            assertThat(OverlayMarkers.isOpaque(diff.resolve("dir"))).isTrue();
            assertThat(diff.resolve("dir/z")).exists();
            assertThat(diff.resolve("dir/old")).doesNotExist();
            assertThat(s.usage("l1").inodes()).isEqualTo(6);

            Path m2 = mount(s.prepare("l2-active", Optional.of("l1")), "l2");
            Files.writeString(m2.resolve("third"), "3");
            mounter.unmount(m2);
            s.commit("l2", "l2-active");
            try (Stream<Path> files = Files.list(s.diffDir("l2"))) {
                assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("third");
            }

            Path v = mount(s.view("look", Optional.of("l2")), "view");
            assertThat(v.resolve("changed")).hasContent("new");
            assertThat(v.resolve("third")).hasContent("3");
            assertThat(v.resolve("deleted")).doesNotExist();
            try (Stream<Path> files = Files.list(v.resolve("dir"))) {
                assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("z");
            }
            assertThatThrownBy(() -> Files.writeString(v.resolve("nope"), "x")).isInstanceOf(FileSystemException.class);
            mounter.unmount(v);

            Path single = mount(s.view("look-base", Optional.of("base")), "view-base");
            assertThat(single.resolve("deleted")).hasContent("bye");
            assertThatThrownBy(() -> Files.writeString(single.resolve("nope"), "x")).isInstanceOf(FileSystemException.class);
            mounter.unmount(single);

            assertThatThrownBy(() -> s.remove("l1")).hasMessageContaining("have it as parent");
        }
    }

    @Test
    void eightyLayerChainMountsEvenUnderALongRoot() throws Exception {
        for (Path root : List.of(tmp.resolve("short"), tmp.resolve("x".repeat(120)).resolve("y".repeat(120)))) {
            try (var s = new OverlaySnapshotter(root)) {
                Optional<String> parent = Optional.empty();
                for (int i = 0; i < 80; i++) {
                    s.prepare("active-" + i, parent);
                    Files.writeString(s.diffDir("active-" + i).resolve("f" + i), Integer.toString(i));
                    s.commit("layer-" + i, "active-" + i);
                    parent = Optional.of("layer-" + i);
                }
                List<Mount> mounts = s.prepare("top", parent);
                String data = String.join(",", mounts.getFirst().options());
                Path m = mount(mounts, root.getFileName().toString().substring(0, 5));
                for (int i = 0; i < 80; i++) {
                    assertThat(m.resolve("f" + i)).hasContent(Integer.toString(i));
                }
                Files.writeString(m.resolve("top"), "t");
                mounter.unmount(m);
                assertThat(s.diffDir("top").resolve("top")).hasContent("t");
                if (root.toString().length() > 200) {
                    assertThat(data.length()).as("the long root must exercise the fsconfig path").isGreaterThan(4095);
                }
            }
        }
    }

    @Test
    void restartSeesCommittedSnapshotsAndMountsThem() throws Exception {
        Path root = tmp.resolve("state");
        try (var s = new OverlaySnapshotter(root)) {
            s.prepare("a", Optional.empty());
            Files.writeString(s.diffDir("a").resolve("from-a"), "a");
            s.commit("A", "a");
            s.prepare("b", Optional.of("A"));
            Files.writeString(s.diffDir("b").resolve("from-b"), "b");
            s.commit("B", "b");
        }
        try (var s = new OverlaySnapshotter(root)) {
            assertThat(s.list()).extracting(Info::name).containsExactlyInAnyOrder("A", "B");
            assertThat(s.stat("B").orElseThrow().parent()).contains("A");
            Path m = mount(s.prepare("c", Optional.of("B")), "c");
            assertThat(m.resolve("from-a")).hasContent("a");
            assertThat(m.resolve("from-b")).hasContent("b");
            mounter.unmount(m);
            assertThatThrownBy(() -> s.remove("B")).hasMessageContaining("have it as parent");
        }
    }

    @Test
    void mountErrorsCarryTheErrnoText() throws Exception {
        Path target = Files.createDirectories(tmp.resolve("t"));
        assertThatThrownBy(() -> mounter.mount(List.of(new Mount("overlay", "overlay",
                List.of("lowerdir=" + tmp.resolve("missing")))), target))
                .isInstanceOf(SyscallException.class)
                .hasMessageContaining("No such file or directory");
        assertThatThrownBy(() -> mounter.unmount(target))
                .isInstanceOf(SyscallException.class).hasMessageContaining("Invalid argument");
    }

    @Test
    void busyMountIsDetached() throws Exception {
        try (var s = new OverlaySnapshotter(tmp.resolve("state"))) {
            Path m = mount(s.prepare("a", Optional.empty()), "busy");
            Files.writeString(m.resolve("f"), "x");
            Process holder = new ProcessBuilder("sh", "-c", "sleep 30").directory(m.toFile()).start();
            try {
                mounter.unmount(m);
                assertThat(Files.list(m).count()).isZero();
            } finally {
                holder.destroyForcibly().waitFor();
            }
        }
    }

    private static void sh(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }

}
