package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OverlayProbe} with a real overlay mount (root needed). */
class OverlayProbeIT {

    @TempDir
    Path tmp;

    @Test
    void overlayWorksHereAndTheProbeCleansUp() throws Exception {
        assertThat(OverlayProbe.problem(tmp)).isEmpty();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aFailingMountIsReportedWithItsReason() {
        Mounter refusing = new Mounter() {
            @Override
            public void mount(List<Mount> mounts, Path target) {
                throw new SyscallException("mount overlay", 19, "No such device");
            }
        };
        assertThat(OverlayProbe.problem(tmp, refusing)).hasValueSatisfying(reason ->
                assertThat(reason).contains("mounting an overlay failed").contains("No such device"));
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aParentThatCannotHoldTheProbeIsReported() throws Exception {
        Path notADir = Files.writeString(tmp.resolve("file"), "x");
        assertThat(OverlayProbe.problem(notADir)).isPresent();
    }
}
