package dev.kiln.worker.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PruneOptionsTest {
    @Test
    void sizesUseBinaryUnitsAsDockersFlagsDo() {
        assertThat(PruneOptions.parseSize("512")).isEqualTo(512);
        assertThat(PruneOptions.parseSize("10KB")).isEqualTo(10 * 1024);
        assertThat(PruneOptions.parseSize("1.5GB")).isEqualTo(3L << 29);
        assertThat(PruneOptions.parseSize("2GiB")).isEqualTo(2L << 30);
        assertThat(PruneOptions.parseSize("100m")).isEqualTo(100L << 20);
        assertThatThrownBy(() -> PruneOptions.parseSize("lots")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lots");
    }

    @Test
    void durationsAreGoStyle() {
        assertThat(PruneOptions.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(PruneOptions.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(PruneOptions.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(PruneOptions.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> PruneOptions.parseDuration("1h junk")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PruneOptions.parseDuration("h")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sizesPrintInDecimalUnitsAsDockerDu() {
        assertThat(PruneOptions.formatSize(999)).isEqualTo("999B");
        assertThat(PruneOptions.formatSize(1_234)).isEqualTo("1.23kB");
        assertThat(PruneOptions.formatSize(45_600_000)).isEqualTo("45.6MB");
        assertThat(PruneOptions.formatSize(123_000_000_000L)).isEqualTo("123GB");
    }

    @Test
    void onlyDanglingUnlessAllOrAKeepLimitIsGiven() {
        assertThat(PruneOptions.dangling().beyondDangling()).isFalse();
        assertThat(PruneOptions.keepStorage(1).beyondDangling()).isTrue();
        assertThat(new PruneOptions(false, 0, Duration.ofHours(1), null).beyondDangling()).isTrue();
        assertThat(PruneOptions.dangling().types()).containsExactlyInAnyOrder(StorageRecord.Type.values());
        assertThat(new PruneOptions(true, 0, null, Set.of(StorageRecord.Type.CONTENT)).types())
                .containsExactly(StorageRecord.Type.CONTENT);
        assertThat(StorageRecord.Type.ofLabel("cachemount")).isEqualTo(StorageRecord.Type.CACHE_MOUNT);
        assertThatThrownBy(() -> StorageRecord.Type.ofLabel("regular")).hasMessageContaining("snapshot, layer");
    }
}
