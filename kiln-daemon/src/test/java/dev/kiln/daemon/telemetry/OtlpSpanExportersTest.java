package dev.kiln.daemon.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.testkit.otlp.OtlpTraceReceiver;
import dev.kiln.testkit.otlp.OtlpTraceReceiver.ReceivedSpan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One traced build exported over each OTLP protocol to a real receiver on loopback (the
 * receiver decodes with the OTLP proto classes, or the OTLP JSON mapping): the spans, their
 * parentage, the resource and the configured headers arrive.
 */
class OtlpSpanExportersTest {
    @ParameterizedTest
    @CsvSource({"grpc, none", "http/protobuf, none", "http/json, none", "grpc, gzip", "http/protobuf, gzip"})
    void aBuildArrivesOverEachProtocol(String protocol, String compression) throws Exception {
        try (OtlpTraceReceiver receiver = protocol.equals("grpc") ? OtlpTraceReceiver.grpc() : OtlpTraceReceiver.http()) {
            TracingConfig config = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                    "OTEL_EXPORTER_OTLP_PROTOCOL", protocol, "OTEL_EXPORTER_OTLP_COMPRESSION", compression,
                    "OTEL_EXPORTER_OTLP_HEADERS", "x-kiln-team=builders,authorization=Bearer%20t0k",
                    "OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,host.name=ci-7",
                    "OTEL_SERVICE_NAME", "kilnd-" + protocol.replace('/', '-'))).orElseThrow();
            Instant t0 = Instant.now();
            try (BuildTracer tracer = BuildTracer.create(config)) {
                KilndTracing.traced(tracer.startBuild("ref-" + protocol, KilndTracing.LLB, ""), e -> { }, progress -> {
                    progress.accept(new ProgressEvent.Cached("sha256:aaa", "[1/2] FROM busybox", t0));
                    progress.accept(new ProgressEvent.Started("sha256:bbb", "[2/2] RUN true", t0.plusMillis(1)));
                    progress.accept(new ProgressEvent.Completed("sha256:bbb", "[2/2] RUN true", t0.plusMillis(1),
                            t0.plusMillis(30), null));
                    return "sha256:done";
                }, d -> d);
                assertThat(tracer.forceFlush(Duration.ofSeconds(10))).as("export over " + protocol).isTrue();
            }
            List<ReceivedSpan> spans = receiver.await(s -> s.size() >= 3, Duration.ofSeconds(10));
            assertThat(spans).extracting(ReceivedSpan::name)
                    .containsExactlyInAnyOrder("kilnd build", "[1/2] FROM busybox", "[2/2] RUN true");
            ReceivedSpan root = spans.stream().filter(ReceivedSpan::isRoot).findFirst().orElseThrow();
            assertThat(root.attributes()).containsEntry("kiln.build.id", "ref-" + protocol)
                    .containsEntry("kiln.build.frontend", "llb").containsEntry("kiln.build.result.digest", "sha256:done");
            assertThat(spans).filteredOn(s -> !s.isRoot()).allSatisfy(s -> {
                assertThat(s.traceId()).isEqualTo(root.traceId());
                assertThat(s.parentSpanId()).isEqualTo(root.spanId());
            });
            assertThat(spans).filteredOn(s -> s.name().startsWith("[1/2]")).singleElement()
                    .satisfies(s -> assertThat(s.attributes()).containsEntry("cached", true));
            assertThat(root.resource()).containsEntry("service.name", "kilnd-" + protocol.replace('/', '-'))
                    .containsEntry("host.name", "ci-7");
            assertThat(receiver.headers()).allSatisfy(h -> assertThat(h).containsEntry("x-kiln-team", "builders")
                    .containsEntry("authorization", "Bearer t0k"));
            String expectedType = switch (protocol) {
                case "grpc" -> "application/grpc";
                case "http/json" -> "application/json";
                default -> "application/x-protobuf";
            };
            assertThat(receiver.contentTypes()).allMatch(t -> t.startsWith(expectedType));
        }
    }
}
