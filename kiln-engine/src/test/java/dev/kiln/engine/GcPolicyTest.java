package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcPolicyTest {
    @TempDir
    Path state;

    @Test
    void theSettingWinsAndZeroTurnsGcOff() {
        assertThat(GcPolicy.forStateDir(state, "20GB").maxStorage()).isEqualTo(20L << 30);
        assertThat(GcPolicy.forStateDir(state, "0").enabled()).isFalse();
        assertThatThrownBy(() -> GcPolicy.forStateDir(state, "big")).isInstanceOf(KilnException.class)
                .hasMessageContaining("KILN_GC_KEEP_STORAGE");
    }

    @Test
    void theDefaultIsATenthOfTheFileSystemBetweenTwoAndAHundredGigabytes() throws Exception {
        long fs = java.nio.file.Files.getFileStore(state).getTotalSpace();
        long cap = GcPolicy.forStateDir(state, null).maxStorage();
        assertThat(cap).isBetween(2L << 30, 100L << 30);
        assertThat(cap).isEqualTo(Math.clamp(fs / 10, 2L << 30, 100L << 30));
        assertThat(GcPolicy.forStateDir(state.resolve("not-yet"), "").enabled()).isTrue();
    }
}
