package dev.kiln.daemon.telemetry;

import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.internal.HttpExporter;
import io.opentelemetry.exporter.otlp.internal.HttpExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.internal.StandardComponentId;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;

/**
 * The OTLP span exporter a {@link TracingConfig} asks for, built from the OpenTelemetry SDK
 * (1.68.0): {@code http/protobuf} is the SDK's {@link OtlpHttpSpanExporter} over the JDK HTTP
 * client; {@code grpc} is the SDK's {@link OtlpGrpcSpanExporter} with a grpc-java transport
 * ({@link GrpcChannelSender}); {@code http/json} is the SDK's own HTTP exporter switched to its
 * JSON encoding. The SDK's public builders offer no JSON switch in this version, so that one
 * uses the SDK's {@code internal} {@link HttpExporterBuilder#exportAsJson()} (what the SDK's
 * declarative configuration uses for {@code http/json}); an SDK upgrade must keep
 * {@code OtlpSpanExportersTest} green. Stateless.
 */
final class OtlpSpanExporters {
    private OtlpSpanExporters() {}

    /** A new exporter for {@code config}; the caller shuts it down (the span processor does). */
    static SpanExporter create(TracingConfig config) {
        return switch (config.protocol()) {
            case HTTP_PROTOBUF -> {
                OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder()
                        .setEndpoint(config.tracesEndpoint().toString()).setTimeout(config.timeout())
                        .setCompression(config.compression());
                config.headers().forEach(b::addHeader);
                yield b.build();
            }
            case GRPC -> {
                ComponentLoader classes = ComponentLoader.forClassLoader(OtlpSpanExporters.class.getClassLoader());
                ComponentLoader loader = new ComponentLoader() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> Iterable<T> load(Class<T> type) {
                        return type == GrpcSenderProvider.class ? List.of((T) GrpcChannelSender.provider()) : classes.load(type);
                    }
                };
                OtlpGrpcSpanExporterBuilder b = OtlpGrpcSpanExporter.builder().setComponentLoader(loader)
                        .setEndpoint(config.tracesEndpoint().toString()).setTimeout(config.timeout())
                        .setCompression(config.compression());
                config.headers().forEach(b::addHeader);
                yield b.build();
            }
            case HTTP_JSON -> {
                HttpExporterBuilder b = new HttpExporterBuilder(StandardComponentId.ExporterType.OTLP_HTTP_JSON_SPAN_EXPORTER,
                        config.tracesEndpoint().toString()).exportAsJson().setTimeout(config.timeout())
                        .setCompression(config.compression());
                config.headers().forEach(b::addConstantHeaders);
                yield new JsonSpanExporter(b.build());
            }
        };
    }

    /** The SDK's HTTP exporter, encoding spans as OTLP JSON. */
    private record JsonSpanExporter(HttpExporter delegate) implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return delegate.export(TraceRequestMarshaler.create(spans), spans.size());
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
