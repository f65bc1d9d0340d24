package dev.kiln.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.progress.ProgressEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressCodecTest {
    @Test
    void everyKindOfEventSurvivesTheWire() {
        Instant t = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
        Instant s = Instant.ofEpochSecond(1_699_999_999L, 5);
        List<ProgressEvent> events = List.of(
                new ProgressEvent.Started("v1", "[1/2] RUN make", t),
                new ProgressEvent.Cached("v2", "[2/2] COPY . .", t),
                new ProgressEvent.Log("v1", 2, "oops\n".getBytes(StandardCharsets.UTF_8), t),
                new ProgressEvent.Completed("v1", "[1/2] RUN make", s, t, null),
                new ProgressEvent.Completed("v3", "x", s, t, "exit code 2"),
                new ProgressEvent.Status("v4", "transfer", "transferring context: 1kB", 1000, 2000, true, t),
                new ProgressEvent.Warning("", "legacy ENV form", t));
        long seq = 1;
        for (ProgressEvent e : events) {
            var wire = ProgressCodec.encode(e, seq);
            assertThat(wire.getSeq()).isEqualTo(seq++);
            ProgressEvent back = ProgressCodec.decode(wire);
            if (e instanceof ProgressEvent.Log l) {
                var lb = (ProgressEvent.Log) back;
                assertThat(lb.data()).isEqualTo(l.data());
                assertThat(lb.stream()).isEqualTo(2);
                assertThat(lb.time()).isEqualTo(t);
            } else {
                assertThat(back).isEqualTo(e);
            }
        }
    }

    @Test
    void timesBeforeTheEpochKeepTheirNanos() {
        Instant t = Instant.ofEpochSecond(-5, 7);
        assertThat(ProgressCodec.instant(ProgressCodec.nanos(t))).isEqualTo(t);
    }
}
