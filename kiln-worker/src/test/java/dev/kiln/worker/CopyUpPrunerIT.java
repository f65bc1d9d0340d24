package dev.kiln.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.snapshot.OverlayMarkers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The opaque-marker half of {@link CopyUpPruner}; needs root for the trusted.overlay.* attributes. */
class CopyUpPrunerIT {
    @TempDir
    Path tmp;

    @Test
    void anOpaqueMarkerIsKeptOnlyWhereALowerDirectoryCouldShowThrough() throws Exception {
        Path far = Files.createDirectories(tmp.resolve("far"));
        Path near = Files.createDirectories(tmp.resolve("near"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Files.createDirectories(far.resolve("data/app"));
        Files.createSymbolicLink(near.resolve("opt"), Path.of("/data"));
        Files.createDirectories(far.resolve("srv"));
        Files.createDirectories(near.resolve("gone"));
        Files.createDirectories(far.resolve("var/cache"));
        Files.createDirectories(near.resolve("var"));
        Files.createDirectories(far.resolve("was-dir"));
        Files.createFile(near.resolve("was-dir-now-file"));

        for (String d : List.of("opt/app", "srv", "fresh", "var/cache", "was-dir-now-file")) {
            Files.createDirectories(upper.resolve(d));
            Files.writeString(upper.resolve(d).resolve("f"), "x");
        }
        for (String d : List.of("opt", "srv", "fresh", "var/cache", "was-dir-now-file")) {
            OverlayMarkers.setOpaque(upper.resolve(d));
        }

        CopyUpPruner.prune(upper, List.of(near, far));

        assertThat(OverlayMarkers.isOpaque(upper.resolve("opt"))).as("over the base's symlink").isFalse();
        assertThat(OverlayMarkers.isOpaque(upper.resolve("fresh"))).as("nothing below").isFalse();
        assertThat(OverlayMarkers.isOpaque(upper.resolve("was-dir-now-file"))).as("over a file").isFalse();
        assertThat(OverlayMarkers.isOpaque(upper.resolve("srv"))).as("a far layer's directory shows through").isTrue();
        assertThat(OverlayMarkers.isOpaque(upper.resolve("var/cache"))).as("nested, over a directory").isTrue();
        assertThat(upper.resolve("opt/app/f")).exists();
    }
}
