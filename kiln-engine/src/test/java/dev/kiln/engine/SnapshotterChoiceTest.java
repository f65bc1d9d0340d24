package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import dev.kiln.snapshot.SnapshotterKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterChoiceTest {

    @TempDir
    Path tmp;

    private final List<Path> probed = new ArrayList<>();

    private Function<Path, Optional<String>> probe(Optional<String> result) {
        return dir -> {
            probed.add(dir);
            return result;
        };
    }

    private Path root() throws Exception {
        return Files.createDirectories(tmp.resolve("state/snapshots"));
    }

    @Test
    void overlayWhenTheProbeWorks() throws Exception {
        SnapshotterChoice c = SnapshotterChoice.choose(root(), null, probe(Optional.empty()));
        assertThat(c.kind()).isEqualTo(SnapshotterKind.OVERLAY);
        assertThat(c.notice()).isEmpty();
        assertThat(probed).containsExactly(root());
        assertThat(c.describe()).isEqualTo("overlay");
    }

    @Test
    void nativeAndOneLineWhenTheProbeFails() throws Exception {
        SnapshotterChoice c = SnapshotterChoice.choose(root(), null, probe(Optional.of("mount: No such device")));
        assertThat(c.kind()).isEqualTo(SnapshotterKind.NATIVE);
        assertThat(c.notice()).contains("kiln: overlayfs is not available here (mount: No such device); "
                + "using the copying snapshotter (slower, more disk)");
        assertThat(c.describe()).isEqualTo("native (overlayfs not available: mount: No such device)");
    }

    @Test
    void aStateDirKeepsItsKind() throws Exception {
        SnapshotterKind.NATIVE.open(root()).close();
        SnapshotterChoice c = SnapshotterChoice.choose(root(), null, probe(Optional.empty()));
        assertThat(c.kind()).isEqualTo(SnapshotterKind.NATIVE);
        assertThat(c.notice()).hasValueSatisfying(n -> assertThat(n).contains("was made with the copying snapshotter"));

        Path other = Files.createDirectories(tmp.resolve("other/snapshots"));
        SnapshotterKind.OVERLAY.open(other).close();
        probed.clear();
        assertThat(SnapshotterChoice.choose(other, null, probe(Optional.of("broken"))).kind())
                .isEqualTo(SnapshotterKind.OVERLAY);
        assertThat(probed).as("a recorded overlay root is not probed").isEmpty();
    }

    @Test
    void aForcedKindIsUsedUnprobedButNeverOnAStateDirOfTheOtherKind() throws Exception {
        SnapshotterChoice c = SnapshotterChoice.choose(root(), SnapshotterKind.NATIVE, probe(Optional.empty()));
        assertThat(c.kind()).isEqualTo(SnapshotterKind.NATIVE);
        assertThat(c.notice()).isEmpty();
        assertThat(probed).isEmpty();
        c.kind().open(root()).close();
        assertThatThrownBy(() -> SnapshotterChoice.choose(root(), SnapshotterKind.OVERLAY, probe(Optional.empty())))
                .isInstanceOf(KilnException.class)
                .hasMessageContaining("made with the native snapshotter")
                .hasMessageContaining("cannot be used with the overlay snapshotter");
    }

    @Test
    void theEnvironmentVariable() {
        assertThat(EngineConfig.snapshotterFromEnvironment(null)).isNull();
        assertThat(EngineConfig.snapshotterFromEnvironment("auto")).isNull();
        assertThat(EngineConfig.snapshotterFromEnvironment("native")).isEqualTo(SnapshotterKind.NATIVE);
        assertThat(EngineConfig.snapshotterFromEnvironment("OVERLAY")).isEqualTo(SnapshotterKind.OVERLAY);
        assertThatThrownBy(() -> EngineConfig.snapshotterFromEnvironment("vfs"))
                .isInstanceOf(KilnException.class).hasMessageContaining("KILN_SNAPSHOTTER");
    }
}
