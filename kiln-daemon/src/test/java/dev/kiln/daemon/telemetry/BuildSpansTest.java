package dev.kiln.daemon.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.testkit.otlp.OtlpTraceReceiver;
import dev.kiln.testkit.otlp.OtlpTraceReceiver.ReceivedSpan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Feeds build progress to {@link BuildSpans} and checks the spans an OTLP/HTTP receiver on loopback gets. */
class BuildSpansTest {
    /** Progress times as the engine makes them: from the same clock, just after the build began. */
    private static final Instant T0 = Instant.now().plusMillis(5);
    private static final long STATUS_ERROR = 2;

    private static long nanos(Instant t) {
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }

    @Test
    void aBuildBecomesOneTraceWithASpanPerVertex() throws Exception {
        try (OtlpTraceReceiver receiver = OtlpTraceReceiver.http()) {
            TracingConfig config = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                    "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")).orElseThrow();
            List<ProgressEvent> downstream = new ArrayList<>();
            try (BuildTracer tracer = BuildTracer.create(config)) {
                String digest = KilndTracing.traced(tracer.startBuild("ref-ok", "final"), downstream::add, progress -> {
                    progress.accept(new ProgressEvent.Cached("sha256:aaa", "[1/3] FROM busybox", T0));
                    progress.accept(new ProgressEvent.Started("sha256:bbb", "[2/3] RUN make", T0.plusMillis(10)));
                    progress.accept(new ProgressEvent.Log("sha256:bbb", 1, "ok\n".getBytes(StandardCharsets.UTF_8),
                            T0.plusMillis(20)));
                    progress.accept(new ProgressEvent.Completed("sha256:bbb", "[2/3] RUN make", T0.plusMillis(10),
                            T0.plusMillis(1500), null));
                    return "sha256:result";
                }, d -> d);
                assertThat(digest).isEqualTo("sha256:result");

                assertThatThrownBy(() -> KilndTracing.<String>traced(tracer.startBuild("ref-bad", ""), downstream::add, progress -> {
                    progress.accept(new ProgressEvent.Started("sha256:ccc", "[3/3] RUN false", T0));
                    progress.accept(new ProgressEvent.Completed("sha256:ccc", "[3/3] RUN false", T0, T0.plusSeconds(2),
                            "process exited with code 1"));
                    progress.accept(new ProgressEvent.Started("sha256:ddd", "[internal] export", T0.plusSeconds(2)));
                    throw new IOException("step [3/3] failed");
                }, d -> d)).isInstanceOf(IOException.class).hasMessage("step [3/3] failed");

                assertThat(tracer.forceFlush(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(downstream).hasSize(7);
            assertThat(receiver.contentTypes()).allMatch(t -> t.startsWith("application/x-protobuf"));

            List<ReceivedSpan> spans = receiver.spans();
            assertThat(spans).extracting(ReceivedSpan::name).containsExactlyInAnyOrder("kilnd build", "[1/3] FROM busybox",
                    "[2/3] RUN make", "kilnd build", "[3/3] RUN false", "[internal] export");
            assertThat(spans).allSatisfy(s -> {
                assertThat(s.resource()).containsEntry("service.name", "kilnd").containsEntry("deployment.environment", "test");
                assertThat(s.endNanos()).isGreaterThanOrEqualTo(s.startNanos());
            });

            ReceivedSpan ok = root(spans, "ref-ok");
            assertThat(ok.parentSpanId()).isEmpty();
            assertThat(ok.attributes()).containsEntry("kiln.build.target", "final")
                    .containsEntry("kiln.build.result.digest", "sha256:result");
            assertThat(ok.statusCode()).isNotEqualTo(STATUS_ERROR);

            ReceivedSpan cached = span(spans, "[1/3] FROM busybox");
            assertThat(cached.traceId()).isEqualTo(ok.traceId());
            assertThat(cached.parentSpanId()).isEqualTo(ok.spanId());
            assertThat(cached.attributes()).containsEntry("cached", true).containsEntry("kiln.vertex.digest", "sha256:aaa");

            ReceivedSpan run = span(spans, "[2/3] RUN make");
            assertThat(run.traceId()).isEqualTo(ok.traceId());
            assertThat(run.parentSpanId()).isEqualTo(ok.spanId());
            assertThat(run.attributes()).doesNotContainKey("cached");
            assertThat(run.startNanos()).isEqualTo(nanos(T0.plusMillis(10)));
            assertThat(run.endNanos()).isEqualTo(nanos(T0.plusMillis(1500)));
            assertThat(run.statusCode()).isNotEqualTo(STATUS_ERROR);

            ReceivedSpan bad = root(spans, "ref-bad");
            assertThat(bad.traceId()).isNotEqualTo(ok.traceId());
            assertThat(bad.statusCode()).isEqualTo(STATUS_ERROR);
            assertThat(bad.statusMessage()).isEqualTo("step [3/3] failed");
            assertThat(bad.attributes()).doesNotContainKey("kiln.build.result.digest");

            ReceivedSpan failedStep = span(spans, "[3/3] RUN false");
            assertThat(failedStep.parentSpanId()).isEqualTo(bad.spanId());
            assertThat(failedStep.statusCode()).isEqualTo(STATUS_ERROR);
            assertThat(failedStep.statusMessage()).isEqualTo("process exited with code 1");
            assertThat(failedStep.endNanos()).isEqualTo(nanos(T0.plusSeconds(2)));

            ReceivedSpan unfinished = span(spans, "[internal] export");
            assertThat(unfinished.parentSpanId()).isEqualTo(bad.spanId());
            assertThat(unfinished.statusCode()).isEqualTo(STATUS_ERROR);
            assertThat(unfinished.statusMessage()).contains("step [3/3] failed");
        }
    }

    @Test
    void eventsAfterTheBuildEndedAddNoSpans() throws Exception {
        try (OtlpTraceReceiver receiver = OtlpTraceReceiver.http()) {
            TracingConfig config = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    receiver.endpoint() + "/v1/traces", "OTEL_SERVICE_NAME", "kilnd-ci")).orElseThrow();
            try (BuildTracer tracer = BuildTracer.create(config)) {
                BuildSpans spans = tracer.startBuild("ref-late", "");
                spans.succeeded("sha256:x");
                spans.accept(new ProgressEvent.Started("sha256:late", "late", T0));
                spans.failed("too late");
                assertThat(tracer.forceFlush(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(receiver.spans()).singleElement().satisfies(s -> {
                assertThat(s.name()).isEqualTo("kilnd build");
                assertThat(s.statusCode()).isNotEqualTo(STATUS_ERROR);
                assertThat(s.resource()).containsEntry("service.name", "kilnd-ci");
            });
        }
    }

    @Test
    void theContextUploadBeforeTheEngineRanIsPartOfTheTrace() throws Exception {
        try (OtlpTraceReceiver receiver = OtlpTraceReceiver.http()) {
            TracingConfig config = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()))
                    .orElseThrow();
            Instant upload = Instant.now().minusSeconds(3);
            List<ProgressEvent> earlier = List.of(
                    new ProgressEvent.Started("kilnd:context", "[internal] transfer build context", upload),
                    new ProgressEvent.Status("kilnd:context", "transfer", "transferring context: 300kB", 300_000, 300_000,
                            true, upload.plusSeconds(2)),
                    new ProgressEvent.Completed("kilnd:context", "[internal] transfer build context", upload,
                            upload.plusSeconds(2), null));
            List<ProgressEvent> downstream = new ArrayList<>();
            try (BuildTracer tracer = BuildTracer.create(config)) {
                KilndTracing.traced(tracer, "ref-up", KilndTracing.DOCKERFILE, "", earlier, downstream::add, progress -> {
                    progress.accept(new ProgressEvent.Cached("sha256:aaa", "[1/1] COPY . /", Instant.now()));
                    return "sha256:up";
                }, d -> d);
                assertThat(tracer.forceFlush(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(downstream).as("the daemon's sink already had the earlier events").hasSize(1);
            List<ReceivedSpan> spans = receiver.await(s -> s.size() >= 3, Duration.ofSeconds(10));
            ReceivedSpan root = root(spans, "ref-up");
            assertThat(root.startNanos()).isEqualTo(nanos(upload));
            assertThat(root.attributes()).containsEntry("kiln.build.frontend", "dockerfile");
            ReceivedSpan transfer = span(spans, "[internal] transfer build context");
            assertThat(transfer.parentSpanId()).isEqualTo(root.spanId());
            assertThat(transfer.attributes()).containsEntry("kiln.transfer.bytes", 300_000L);
            assertThat(transfer.endNanos() - transfer.startNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(2));
        }
    }

    private static ReceivedSpan root(List<ReceivedSpan> spans, String ref) {
        return spans.stream().filter(s -> ref.equals(s.attributes().get("kiln.build.id"))).findFirst().orElseThrow();
    }

    private static ReceivedSpan span(List<ReceivedSpan> spans, String name) {
        return spans.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
