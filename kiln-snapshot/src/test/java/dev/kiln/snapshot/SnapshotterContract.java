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
