package dev.kiln.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizesTest {
    @Test
    void formatsLikeTheReference() {
        assertThat(ByteSizes.format(0)).isEqualTo("0B");
        assertThat(ByteSizes.format(37)).isEqualTo("37B");
        assertThat(ByteSizes.format(1000)).isEqualTo("1kB");
        assertThat(ByteSizes.format(12_345)).isEqualTo("12.3kB");
        assertThat(ByteSizes.format(4_560_000)).isEqualTo("4.56MB");
        assertThat(ByteSizes.format(209_715_200)).isEqualTo("210MB");
    }

    @Test
    void parsesWhatItPrintsWithinItsPrecision() {
        for (long n : new long[] {0, 5, 999, 1000, 12_345, 151_234, 4_560_000, 209_715_200}) {
            long back = ByteSizes.parse(ByteSizes.format(n));
            assertThat((double) Math.abs(back - n)).isLessThanOrEqualTo(n * 0.005 + 0.5);
        }
        assertThatThrownBy(() -> ByteSizes.parse("lots")).isInstanceOf(IllegalArgumentException.class);
    }
}
