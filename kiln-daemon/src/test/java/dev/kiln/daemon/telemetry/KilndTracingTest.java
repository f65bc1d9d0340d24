package dev.kiln.daemon.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.common.progress.ProgressSink;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KilndTracingTest {
    @Test
    void withoutOtelVariablesTheBuildGetsTheDaemonsSinkItself() throws Exception {
        assumeTrue(System.getenv().keySet().stream().noneMatch(k -> k.startsWith("OTEL_")), "OTEL_* is set here");
        ProgressSink daemonSink = event -> {};
        AtomicReference<ProgressSink> given = new AtomicReference<>();
        String result = KilndTracing.traced("ref", "", daemonSink, progress -> {
            given.set(progress);
            return "sha256:r";
        }, r -> {
            throw new AssertionError("no digest is asked for when tracing is off");
        });
        assertThat(result).isEqualTo("sha256:r");
        assertThat(given.get()).isSameAs(daemonSink);

        given.set(null);
        String solved = KilndTracing.tracedSolve("ref-llb", List.of(), daemonSink, progress -> {
            given.set(progress);
            return "sha256:s";
        }, r -> {
            throw new AssertionError("no digest is asked for when tracing is off");
        });
        assertThat(solved).isEqualTo("sha256:s");
        assertThat(given.get()).isSameAs(daemonSink);
        assertThat(KilndTracing.start()).isFalse();
    }
}
