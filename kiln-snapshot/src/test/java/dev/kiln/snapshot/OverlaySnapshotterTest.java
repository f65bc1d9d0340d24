package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle and metadata of {@link OverlaySnapshotter} without mounting anything (no root needed). */
class OverlaySnapshotterTest {

    @TempDir
    Path tmp;

    @Test
    void prepareWithoutParentIsABindMountOfItsOwnDir() {
        try (var s = new OverlaySnapshotter(tmp)) {
            List<Mount> mounts = s.prepare("a", Optional.empty());
            assertThat(mounts).containsExactly(new Mount("bind", s.diffDir("a").toString(), List.of("rw", "rbind")));
            assertThat(s.diffDir("a")).isDirectory().isEqualTo(tmp.toAbsolutePath().resolve("snapshots/1/fs"));
            assertThat(s.stat("a").orElseThrow().kind()).isEqualTo(Info.Kind.ACTIVE);
        }
    }

    @Test
    void prepareOnAChainListsShortLinksNearestFirst() throws Exception {
        try (var s = new OverlaySnapshotter(tmp)) {
            s.prepare("a-active", Optional.empty());
            s.commit("a", "a-active");
            s.prepare("b-active", Optional.of("a"));
            s.commit("b", "b-active");
            Mount m = s.prepare("c", Optional.of("b")).getFirst();

            assertThat(m.type()).isEqualTo("overlay");
            assertThat(m.options()).startsWith("index=off", "redirect_dir=off", "metacopy=off");
            assertThat(m.options()).contains("upperdir=" + s.diffDir("c"), "workdir=" + s.diffDir("c").resolveSibling("work"));
            String lower = m.options().getLast();
            Path root = tmp.toAbsolutePath();
            assertThat(lower).isEqualTo("lowerdir=" + root.resolve("l/2") + ":" + root.resolve("l/1"));
            assertThat(root.resolve("l/2").toRealPath()).isEqualTo(s.diffDir("b").toRealPath());
            assertThat(s.stat("c").orElseThrow().parent()).contains("b");
        }
    }

    @Test
    void viewsAreReadOnly() {
        try (var s = new OverlaySnapshotter(tmp)) {
            s.prepare("a-active", Optional.empty());
            s.commit("a", "a-active");
            assertThat(s.view("v1", Optional.of("a")))
                    .containsExactly(new Mount("bind", s.diffDir("a").toString(), List.of("ro", "rbind")));
            s.prepare("b-active", Optional.of("a"));
            s.commit("b", "b-active");
            Mount two = s.view("v2", Optional.of("b")).getFirst();
            assertThat(two.type()).isEqualTo("overlay");
            assertThat(two.options()).noneMatch(o -> o.startsWith("upperdir="));
            assertThatThrownBy(() -> s.commit("x", "v2")).isInstanceOf(SnapshotException.class).hasMessageContaining("VIEW");
        }
    }

    @Test
    void lifecycleRulesAreEnforced() {
        try (var s = new OverlaySnapshotter(tmp)) {
            s.prepare("a", Optional.empty());
            assertThatThrownBy(() -> s.prepare("a", Optional.empty())).hasMessageContaining("already exists");
            assertThatThrownBy(() -> s.prepare("b", Optional.of("a"))).hasMessageContaining("not committed");
            assertThatThrownBy(() -> s.prepare("b", Optional.of("nope"))).hasMessageContaining("does not exist");
            s.commit("base", "a");
            assertThat(s.stat("a")).isEmpty();
            assertThatThrownBy(() -> s.mounts("base")).hasMessageContaining("committed");
            s.prepare("child", Optional.of("base"));
            assertThatThrownBy(() -> s.remove("base")).hasMessageContaining("have it as parent");
            s.remove("child");
            s.remove("base");
            assertThat(s.list()).isEmpty();
            assertThat(tmp.resolve("snapshots")).isEmptyDirectory();
            assertThat(tmp.resolve("l")).isEmptyDirectory();
        }
    }

    @Test
    void importFromAFilledDiffDirAndRestartSeesIt() throws Exception {
        try (var s = new OverlaySnapshotter(tmp)) {
            s.prepare("import", Optional.empty());
            Files.writeString(s.diffDir("import").resolve("hello"), "hello world");
            Files.createDirectories(s.diffDir("import").resolve("d/e"));
            s.commit("layer0", "import");
            assertThat(s.usage("layer0")).isEqualTo(new Usage(11, 4));
            s.prepare("pending", Optional.of("layer0"));
        }
        try (var s = new OverlaySnapshotter(tmp)) {
            Info info = s.stat("layer0").orElseThrow();
            assertThat(info.kind()).isEqualTo(Info.Kind.COMMITTED);
            assertThat(s.diffDir("layer0").resolve("hello")).hasContent("hello world");
            assertThat(s.stat("pending").orElseThrow().parent()).contains("layer0");
            s.prepare("next", Optional.of("layer0"));
            assertThat(s.stat("next").orElseThrow().kind()).isEqualTo(Info.Kind.ACTIVE);
            assertThat(s.diffDir("next")).isNotEqualTo(s.diffDir("pending"));
        }
    }

    @Test
    void secondInstanceOnTheSameRootIsRefused() {
        try (var s = new OverlaySnapshotter(tmp)) {
            assertThatThrownBy(() -> new OverlaySnapshotter(tmp)).hasMessageContaining("in use");
        }
    }

    @Test
    void orphanDirectoriesFromACrashAreRemovedOnOpen() throws Exception {
        try (var s = new OverlaySnapshotter(tmp)) {
            s.prepare("kept", Optional.empty());
        }
        Files.createDirectories(tmp.resolve("snapshots/99/fs/x"));
        Files.createSymbolicLink(tmp.resolve("l/2r"), Path.of("../snapshots/99/fs"));
        Files.writeString(tmp.resolve("metadata.tmp"), "half written");
        try (var s = new OverlaySnapshotter(tmp)) {
            assertThat(tmp.resolve("snapshots/99")).doesNotExist();
            assertThat(tmp.resolve("metadata.tmp")).doesNotExist();
            assertThat(s.list()).extracting(Info::name).containsExactly("kept");
        }
    }

    @Test
    void rootWithOverlaySeparatorsIsRejected() {
        assertThatThrownBy(() -> new OverlaySnapshotter(tmp.resolve("a:b"))).isInstanceOf(IllegalArgumentException.class);
    }
}
