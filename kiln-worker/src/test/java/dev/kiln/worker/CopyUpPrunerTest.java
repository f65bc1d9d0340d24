package dev.kiln.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyUpPrunerTest {
    @TempDir
    Path tmp;

    private static Path dir(Path p, long mtime) throws Exception {
        Files.createDirectories(p);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
        return p;
    }

    @Test
    void dropsOnlyEmptyDirectoriesThatMatchTheLowerLayer() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        dir(lower.resolve("etc"), 1_000_000);
        dir(lower.resolve("var/lib"), 3_000_000);
        dir(lower.resolve("var"), 2_000_000);
        dir(lower.resolve("usr"), 4_000_000);

        dir(upper.resolve("etc"), 1_000_000);
        dir(upper.resolve("var/lib"), 3_000_000);
        dir(upper.resolve("var"), 2_000_000);
        dir(upper.resolve("usr"), 9_000_000);
        dir(upper.resolve("new"), 1_000_000);
        Files.writeString(Files.createDirectories(upper.resolve("data")).resolve("f"), "x");

        CopyUpPruner.prune(upper, List.of(lower));

        assertThat(upper.resolve("etc")).as("unchanged copy-up").doesNotExist();
        assertThat(upper.resolve("var")).as("unchanged copy-up with an unchanged child").doesNotExist();
        assertThat(upper.resolve("usr")).as("its time changed").exists();
        assertThat(upper.resolve("new")).as("not in any lower layer").exists();
        assertThat(upper.resolve("data/f")).exists();
    }

    @Test
    void theNearestLowerLayerDecides() throws Exception {
        Path near = Files.createDirectories(tmp.resolve("near"));
        Path far = Files.createDirectories(tmp.resolve("far"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        dir(far.resolve("etc"), 1_000_000);
        dir(near.resolve("etc"), 5_000_000);
        dir(upper.resolve("etc"), 1_000_000);
        CopyUpPruner.prune(upper, List.of(near, far));
        assertThat(upper.resolve("etc")).exists();
    }
}
