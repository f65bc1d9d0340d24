package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterKindTest {

    @TempDir
    Path tmp;

    @Test
    void aRootKeepsTheKindItWasMadeWith() {
        Path root = tmp.resolve("snapshots");
        assertThat(SnapshotterKind.recordedIn(root)).isEmpty();
        try (Snapshotter s = SnapshotterKind.NATIVE.open(root)) {
            assertThat(s).isInstanceOf(NativeSnapshotter.class);
            assertThat(s.layout()).isEqualTo(Snapshotter.Layout.WHOLE_TREE);
        }
        assertThat(SnapshotterKind.recordedIn(root)).contains(SnapshotterKind.NATIVE);
        assertThatThrownBy(() -> new OverlaySnapshotter(root)).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("made by the native snapshotter")
                .hasMessageContaining("cannot be opened with the overlay snapshotter");
        // the failed open released the root: the right kind still opens it
        new NativeSnapshotter(root).close();
    }

    @Test
    void aRootFromBeforeTheKindFileIsOverlay() throws Exception {
        Path root = tmp.resolve("snapshots");
        try (Snapshotter s = new OverlaySnapshotter(root)) {
            s.prepare("a", Optional.empty());
        }
        Files.delete(root.resolve("kind"));
        assertThat(SnapshotterKind.recordedIn(root)).contains(SnapshotterKind.OVERLAY);
        assertThatThrownBy(() -> new NativeSnapshotter(root)).hasMessageContaining("made by the overlay snapshotter");
        new OverlaySnapshotter(root).close();
        assertThat(root.resolve("kind")).hasContent("overlay");
    }

    @Test
    void parsesWhatUsersWrite() {
        assertThat(SnapshotterKind.parse(" Native ")).isEqualTo(SnapshotterKind.NATIVE);
        assertThat(SnapshotterKind.parse("overlay")).isEqualTo(SnapshotterKind.OVERLAY);
        assertThatThrownBy(() -> SnapshotterKind.parse("vfs")).hasMessageContaining("overlay or native");
    }
}
