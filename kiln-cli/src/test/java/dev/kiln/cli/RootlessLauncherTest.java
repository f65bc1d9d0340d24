package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RootlessLauncherTest {
    @Test
    void theFirstLargeEnoughRangeOfTheUserByNameOrUidIsUsed() {
        List<String> lines = List.of("other:100000:65536", "alice:200000:1000", "1001:300000:65536", "alice:400000:65536");
        assertThat(RootlessLauncher.range(lines, "alice", 1001)).contains(new RootlessLauncher.Range(300000, 65536));
        assertThat(RootlessLauncher.range(List.of("alice:200000:1000", "bad line", "alice:x:65536"), "alice", 5)).isEmpty();
        assertThat(RootlessLauncher.range(List.of("bob:100000:131072"), "bob", 7)).contains(new RootlessLauncher.Range(100000, 131072));
    }

    @Test
    void theCurrentCommandStartsWithTheJavaBinary() {
        assertThat(RootlessLauncher.currentCommand().getFirst()).endsWith("java");
        assertThat(RootlessLauncher.effectiveUid()).isGreaterThanOrEqualTo(0);
    }
}
