package dev.kiln.common.files;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RelativePathsTest {
    @Test
    void cleansLikeBuildKitWithoutClimbingAboveTheRoot() {
        assertThat(RelativePaths.clean("/a/./b//c/")).isEqualTo("a/b/c");
        assertThat(RelativePaths.clean("./a/../b")).isEqualTo("b");
        assertThat(RelativePaths.clean("../../etc/passwd")).isEqualTo("etc/passwd");
        assertThat(RelativePaths.clean("/")).isEmpty();
        assertThat(RelativePaths.clean(".")).isEmpty();
    }
}
