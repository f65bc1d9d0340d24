package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Snapshotter} must do, run against real mounts by each implementation's
 * {@code *ContractIT} subclass (root needed).
 */
abstract class SnapshotterContract {

    @TempDir
    Path tmp;

    final Mounter mounter = new Mounter();

    /** A fresh or reopened snapshotter over {@code root}. */
    abstract Snapshotter open(Path root);

    private void write(Snapshotter s, String key, String file, String content) throws Exception {
        Path target = Files.createDirectories(tmp.resolve("mnt-" + key));
        mounter.mount(s.mounts(key), target);
        try {
            Files.writeString(target.resolve(file), content);
        } finally {
            mounter.unmount(target);
        }
    }

    @Test
    void childrenSeeTheirAncestorsThroughMounts() throws Exception {
        try (Snapshotter s = open(tmp.resolve("state"))) {
            s.prepare("a", Optional.empty());
            write(s, "a", "from-a", "a");
            s.commit("A", "a");
            s.prepare("b", Optional.of("A"));
            write(s, "b", "from-b", "b");
            s.commit("B", "b");
            Path target = Files.createDirectories(tmp.resolve("view"));
            mounter.mount(s.view("v", Optional.of("B")), target);
            try {
                assertThat(target.resolve("from-a")).hasContent("a");
                assertThat(target.resolve("from-b")).hasContent("b");
                assertThatThrownBy(() -> Files.writeString(target.resolve("x"), "x")).isInstanceOf(FileSystemException.class);
            } finally {
                mounter.unmount(target);
            }
            assertThat(s.stat("v").orElseThrow().kind()).isEqualTo(Info.Kind.VIEW);
            assertThat(s.stat("B").orElseThrow().parent()).contains("A");
        }
    }

    @Test
    void lifecycleRules() {
        try (Snapshotter s = open(tmp.resolve("state"))) {
            s.prepare("a", Optional.empty());
            assertThatThrownBy(() -> s.prepare("a", Optional.empty())).isInstanceOf(SnapshotException.class);
            assertThatThrownBy(() -> s.prepare("b", Optional.of("a"))).isInstanceOf(SnapshotException.class);
            s.commit("A", "a");
            assertThatThrownBy(() -> s.commit("A2", "A")).isInstanceOf(SnapshotException.class);
            assertThatThrownBy(() -> s.mounts("A")).isInstanceOf(SnapshotException.class);
            s.prepare("child", Optional.of("A"));
            assertThatThrownBy(() -> s.remove("A")).isInstanceOf(SnapshotException.class);
            s.remove("child");
            s.remove("A");
            assertThat(s.list()).isEmpty();
            assertThatThrownBy(() -> s.remove("A")).isInstanceOf(SnapshotException.class);
        }
    }

    /**
     * A step that adds, changes and deletes files and deletes and re-makes a directory gives the
     * same overlay-form layer on every implementation.
     */
    @Test
    void layerDirHoldsTheChangeInOverlayForm() throws Exception {
        try (Snapshotter s = open(tmp.resolve("state"))) {
            Path mnt = Files.createDirectories(tmp.resolve("mnt"));
            mounter.mount(s.prepare("base-a", Optional.empty()), mnt);
            try {
                Files.writeString(mnt.resolve("same"), "same");
                Files.writeString(mnt.resolve("changed"), "old");
                Files.writeString(mnt.resolve("deleted"), "bye");
                Files.createDirectories(mnt.resolve("remade/sub"));
                Files.writeString(mnt.resolve("remade/old"), "old");
                Files.createDirectories(mnt.resolve("kept/deep"));
                Files.writeString(mnt.resolve("kept/deep/file"), "x");
            } finally {
                mounter.unmount(mnt);
            }
            s.commit("base", "base-a");
            assertThat(s.layerDir("base").resolve("kept/deep/file")).hasContent("x");

            mounter.mount(s.prepare("step", Optional.of("base")), mnt);
            try {
                Files.writeString(mnt.resolve("changed"), "new");
                Files.writeString(mnt.resolve("added"), "added");
                Files.delete(mnt.resolve("deleted"));
                Files.delete(mnt.resolve("remade/old"));
                Files.delete(mnt.resolve("remade/sub"));
                Files.delete(mnt.resolve("remade"));
                Files.createDirectory(mnt.resolve("remade"));
                Files.writeString(mnt.resolve("remade/fresh"), "fresh");
                Files.writeString(mnt.resolve("kept/deep/new"), "n");
                Files.createLink(mnt.resolve("linked"), mnt.resolve("added"));
            } finally {
                mounter.unmount(mnt);
            }
            assertThatThrownBy(() -> s.layerDir("step")).isInstanceOf(SnapshotException.class);
            s.commit("stepped", "step");

            Path layer = s.layerDir("stepped");
            assertThat(LayerTrees.describe(layer)).containsExactly(
                    "added file", "changed file", "deleted whiteout", "kept dir", "kept/deep dir",
                    "kept/deep/new file", "linked file", "remade dir opaque", "remade/fresh file");
            assertThat(layer.resolve("changed")).hasContent("new");
            assertThat(Files.readAttributes(layer.resolve("linked"), java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                    .as("a hard link made by the step stays one")
                    .isEqualTo(Files.readAttributes(layer.resolve("added"), java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            assertThat(s.layerDir("stepped")).isEqualTo(layer);
        }
    }

    @Test
    void aLayerIsImportedIntoDiffDirAsTheLayoutSays() throws Exception {
        try (Snapshotter s = open(tmp.resolve("state"))) {
            s.prepare("a", Optional.empty());
            Files.writeString(s.diffDir("a").resolve("one"), "1");
            Files.writeString(s.diffDir("a").resolve("two"), "2");
            s.commit("A", "a");
            s.prepare("b", Optional.of("A"));
            Path dir = s.diffDir("b");
            // the second layer deletes "one" and adds "three"
            if (s.layout() == Snapshotter.Layout.CHANGES) {
                assertThat(dir).isEmptyDirectory();
                OverlayMarkers.makeWhiteout(dir.resolve("one"));
            } else {
                assertThat(dir.resolve("one")).hasContent("1");
                Files.delete(dir.resolve("one"));
            }
            Files.writeString(dir.resolve("three"), "3");
            s.commit("B", "b");
            Path target = Files.createDirectories(tmp.resolve("view"));
            mounter.mount(s.view("v", Optional.of("B")), target);
            try {
                assertThat(target.resolve("one")).doesNotExist();
                assertThat(target.resolve("two")).hasContent("2");
                assertThat(target.resolve("three")).hasContent("3");
            } finally {
                mounter.unmount(target);
            }
            assertThat(LayerTrees.describe(s.layerDir("B"))).containsExactly("one whiteout", "three file");
        }
    }

    @Test
    void committedSnapshotsSurviveARestartAndImportNeedsNoMount() throws Exception {
        Path root = tmp.resolve("state");
        try (Snapshotter s = open(root)) {
            s.prepare("import", Optional.empty());
            Files.writeString(s.diffDir("import").resolve("layer-file"), "imported");
            s.commit("layer", "import");
            assertThat(s.usage("layer")).isEqualTo(new Usage(8, 2));
        }
        try (Snapshotter s = open(root)) {
            assertThat(s.list()).extracting(Info::name).containsExactly("layer");
            s.prepare("next", Optional.of("layer"));
            Path target = Files.createDirectories(tmp.resolve("next"));
            mounter.mount(s.mounts("next"), target);
            try {
                assertThat(target.resolve("layer-file")).hasContent("imported");
            } finally {
                mounter.unmount(target);
            }
        }
    }
}
