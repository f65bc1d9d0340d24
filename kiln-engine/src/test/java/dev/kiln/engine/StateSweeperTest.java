package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateSweeperTest {

    @TempDir
    Path tmp;

    @Test
    void anInterruptedOverlayProbeIsRemovedAndNothingElse() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("snapshots"));
        Path probe = Files.createDirectories(root.resolve("overlay-probe-1234/lower"));
        Files.writeString(probe.resolve("gone"), "x");
        Files.createDirectories(root.resolve("overlay-probe-1234/merged"));
        Path work = Files.createDirectories(root.resolve("overlay-probe-1234/work/work"));
        Files.setAttribute(work, "unix:mode", 0);
        Path snapshots = Files.createDirectories(root.resolve("snapshots/1/fs"));
        Files.writeString(root.resolve("kind"), "overlay\n");

        StateSweeper.sweepOverlayProbes(root);

        assertThat(root.resolve("overlay-probe-1234")).doesNotExist();
        assertThat(snapshots).isDirectory();
        assertThat(root.resolve("kind")).hasContent("overlay");
        StateSweeper.sweepOverlayProbes(tmp.resolve("missing"));
    }
}
