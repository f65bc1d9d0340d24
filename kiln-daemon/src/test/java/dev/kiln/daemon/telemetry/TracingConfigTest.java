package dev.kiln.daemon.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingConfigTest {
    @Test
    void noOtelVariableMeansNoTracing() {
        assertThat(TracingConfig.fromEnvironment(Map.of())).isEmpty();
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_SERVICE_NAME", "x", "PATH", "/bin"))).isEmpty();
    }

    @Test
    void baseEndpointGetsTheTracesPath() {
        TracingConfig c = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"))
                .orElseThrow();
        assertThat(c.tracesEndpoint()).isEqualTo(URI.create("http://collector:4318/v1/traces"));
        assertThat(c.serviceName()).isEqualTo("kilnd");
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.scheduleDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_BSP_SCHEDULE_DELAY", "200")).orElseThrow().scheduleDelay()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void tracesEndpointIsUsedAsIsAndSignalSettingsWin() {
        TracingConfig c = TracingConfig.fromEnvironment(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector/custom",
                "OTEL_EXPORTER_OTLP_HEADERS", "a=1",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "authorization=Bearer%20abc, x-team = kiln",
                "OTEL_EXPORTER_OTLP_TIMEOUT", "2500",
                "OTEL_SERVICE_NAME", "builder-7",
                "OTEL_RESOURCE_ATTRIBUTES", "host.name=ci-1,region=eu")).orElseThrow();
        assertThat(c.tracesEndpoint()).isEqualTo(URI.create("https://collector/custom"));
        assertThat(c.headers()).containsOnly(Map.entry("authorization", "Bearer abc"), Map.entry("x-team", "kiln"));
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.serviceName()).isEqualTo("builder-7");
        assertThat(c.resourceAttributes()).containsOnly(Map.entry("host.name", "ci-1"), Map.entry("region", "eu"));
    }

    @Test
    void otlpExporterAloneUsesTheDefaultEndpoint() {
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp")).orElseThrow().tracesEndpoint())
                .isEqualTo(URI.create("http://localhost:4318/v1/traces"));
    }

    @Test
    void endpointDefaultsFollowTheProtocol() {
        TracingConfig grpc = TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")).orElseThrow();
        assertThat(grpc.protocol()).isEqualTo(TracingConfig.Protocol.GRPC);
        assertThat(grpc.tracesEndpoint()).isEqualTo(URI.create("http://localhost:4317"));
        TracingConfig grpcBase = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")).orElseThrow();
        assertThat(grpcBase.protocol()).isEqualTo(TracingConfig.Protocol.GRPC);
        assertThat(grpcBase.tracesEndpoint()).isEqualTo(URI.create("http://collector:4317"));
        TracingConfig json = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")).orElseThrow();
        assertThat(json.protocol()).isEqualTo(TracingConfig.Protocol.HTTP_JSON);
        assertThat(json.tracesEndpoint()).isEqualTo(URI.create("http://collector:4318/v1/traces"));
        assertThat(json.compression()).isEqualTo("gzip");
        TracingConfig asIs = TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:9999/t",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")).orElseThrow();
        assertThat(asIs.tracesEndpoint()).isEqualTo(URI.create("http://c:9999/t"));
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp")).orElseThrow().protocol())
                .isEqualTo(TracingConfig.Protocol.HTTP_PROTOBUF);
    }

    @Test
    void serviceNameComesFromTheVariableThenTheResourceAttributes() {
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource")).orElseThrow().serviceName())
                .isEqualTo("from-resource");
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SERVICE_NAME", "from-var",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource")).orElseThrow().serviceName())
                .isEqualTo("from-var");
    }

    @Test
    void noneOrDisabledTurnsTracingOff() {
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "none",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"))).isEmpty();
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_SDK_DISABLED", "true",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"))).isEmpty();
    }

    @Test
    void unsupportedSettingsAreRefused() {
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "zipkin")))
                .hasMessageContaining("zipkin");
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp,console")))
                .hasMessageContaining("otlp,console");
        assertThat(TracingConfig.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", " otlp , otlp"))).isPresent();
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/thrift"))).hasMessageContaining("http/thrift")
                .hasMessageContaining("grpc, http/protobuf or http/json");
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"))).hasMessageContaining("zstd");
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "unix:///x")))
                .hasMessageContaining("http or https");
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_HEADERS", "novalue"))).hasMessageContaining("novalue");
        assertThatThrownBy(() -> TracingConfig.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
                "OTEL_EXPORTER_OTLP_TIMEOUT", "10s"))).hasMessageContaining("10s");
    }
}
