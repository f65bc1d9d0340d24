package dev.kiln.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.daemon.api.Event;
import dev.kiln.daemon.api.StatusResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Replay from a sequence number (a reconnecting Status stream), live delivery, end of stream. */
class BuildTraceTest {
    /** A Status stream's server end that records what it was sent (a fake: one class under test). */
    static final class Recorder extends ServerCallStreamObserver<StatusResponse> {
        final List<Long> seqs = new ArrayList<>();
        boolean completed;
        boolean cancelled;
        Runnable onCancel;

        @Override
        public void onNext(StatusResponse r) {
            r.getEventsList().stream().map(Event::getSeq).forEach(seqs::add);
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void onCompleted() {
            completed = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void setOnCancelHandler(Runnable r) {
            onCancel = r;
        }

        @Override
        public void setCompression(String c) {}

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable r) {}

        @Override
        public void request(int n) {}

        @Override
        public void setMessageCompression(boolean enable) {}

        @Override
        public void disableAutoInboundFlowControl() {}
    }

    static ProgressEvent log(String text) {
        return new ProgressEvent.Log("v", 1, text.getBytes(StandardCharsets.UTF_8), Instant.now());
    }

    @Test
    void aFollowerFromSeqThreeGetsTheRestThenLiveEventsThenTheEnd() {
        DaemonMetrics metrics = new DaemonMetrics();
        BuildTrace t = new BuildTrace("r", metrics);
        for (int i = 1; i <= 5; i++) {
            t.accept(log("line " + i + "\n"));
        }
        Recorder late = new Recorder();
        t.follow(3, late);
        assertThat(late.seqs).containsExactly(3L, 4L, 5L);
        Recorder gone = new Recorder();
        t.follow(1, gone);
        gone.cancelled = true;
        gone.onCancel.run();
        t.accept(new ProgressEvent.Cached("v2", "[1/1] COPY", Instant.now()));
        assertThat(late.seqs).containsExactly(3L, 4L, 5L, 6L);
        assertThat(gone.seqs).hasSize(5);
        t.finish();
        assertThat(late.completed).isTrue();
        t.accept(log("after the end\n"));
        assertThat(late.seqs).hasSize(4);
        Recorder afterwards = new Recorder();
        t.follow(6, afterwards);
        assertThat(afterwards.seqs).containsExactly(6L);
        assertThat(afterwards.completed).isTrue();
        assertThat(t.tail()).containsExactly("line 1", "line 2", "line 3", "line 4", "line 5");
        assertThat(metrics.render()).contains("kilnd_steps_cached_total 1");
    }

    @Test
    void theTailKeepsTheLastFiftyLines() {
        BuildTrace t = new BuildTrace("r", new DaemonMetrics());
        for (int i = 0; i < 120; i++) {
            t.accept(log("l" + i + "\n"));
        }
        assertThat(t.tail()).hasSize(50).startsWith("l70").endsWith("l119");
    }
}
