package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import dev.kiln.worker.gc.PruneOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcPolicyTest {
    @TempDir
    Path state;

    @Test
    void theSettingWinsAndZeroTurnsGcOff() {
        assertThat(GcPolicy.forStateDir(state, "20GB").keepStorage()).isEqualTo(20L << 30);
        assertThat(GcPolicy.forStateDir(state, "0").enabled()).isFalse();
        assertThatThrownBy(() -> GcPolicy.forStateDir(state, "big")).isInstanceOf(KilnException.class)
                .hasMessageContaining("KILN_GC_KEEP_STORAGE");
    }

    @Test
    void theDefaultIsATenthOfTheFileSystemBetweenTwoAndAHundredGigabytes() throws Exception {
        long fs = java.nio.file.Files.getFileStore(state).getTotalSpace();
        long cap = GcPolicy.forStateDir(state, null).keepStorage();
        assertThat(cap).isBetween(2L << 30, 100L << 30);
        assertThat(cap).isEqualTo(Math.clamp(fs / 10, 2L << 30, 100L << 30));
        assertThat(GcPolicy.forStateDir(state.resolve("not-yet"), "").enabled()).isTrue();
    }

    @Test
    void aKeepDurationAloneCollectsByAgeOnly() {
        GcPolicy p = GcPolicy.forStateDir(state, null, "48h");
        assertThat(p).isEqualTo(new GcPolicy(0, Duration.ofHours(48), Duration.ZERO));
        assertThat(p.enabled()).isTrue();
        assertThat(GcPolicy.forStateDir(state, "1GB", "7d").pruneOptions())
                .isEqualTo(new PruneOptions(true, 1L << 30, Duration.ofDays(7), java.util.Set.of()));
        assertThatThrownBy(() -> GcPolicy.forStateDir(state, null, "soon")).isInstanceOf(KilnException.class)
                .hasMessageContaining("KILN_GC_KEEP_DURATION");
    }

    @Test
    void settingsAreValidated() {
        assertThat(GcPolicy.DISABLED.enabled()).isFalse();
        assertThat(new GcPolicy(5).withInterval(Duration.ofMinutes(10)).interval()).isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> new GcPolicy(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GcPolicy(1, Duration.ZERO, Duration.ofMillis(10)))
                .hasMessageContaining("at least 1s");
    }
}
