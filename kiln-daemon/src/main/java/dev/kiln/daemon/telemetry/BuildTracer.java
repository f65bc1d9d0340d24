package dev.kiln.daemon.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry side of kilnd: an SDK tracer provider whose spans go, in batches, to an
 * OTLP receiver over the configured protocol (see {@link OtlpSpanExporters}). Created once from a {@link TracingConfig} (which starts the
 * SDK's export thread), asked for one {@link BuildSpans} per build, and {@link #close closed}
 * when the daemon stops, which exports what is still queued. Thread-safe.
 */
public final class BuildTracer implements AutoCloseable {
    static final String SCOPE = "dev.kiln.daemon";
    static final AttributeKey<String> BUILD_ID = AttributeKey.stringKey("kiln.build.id");
    static final AttributeKey<String> BUILD_TARGET = AttributeKey.stringKey("kiln.build.target");
    static final AttributeKey<String> BUILD_FRONTEND = AttributeKey.stringKey("kiln.build.frontend");
    static final AttributeKey<String> RESULT_DIGEST = AttributeKey.stringKey("kiln.build.result.digest");
    static final AttributeKey<String> VERTEX = AttributeKey.stringKey("kiln.vertex.digest");
    static final AttributeKey<Boolean> CACHED = AttributeKey.booleanKey("cached");
    static final AttributeKey<Long> TRANSFERRED = AttributeKey.longKey("kiln.transfer.bytes");

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private BuildTracer(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get(SCOPE);
    }

    /** Starts the SDK and its exporter for this configuration. */
    public static BuildTracer create(TracingConfig config) {
        AttributesBuilder resource = Attributes.builder();
        config.resourceAttributes().forEach(resource::put);
        resource.put(AttributeKey.stringKey("service.name"), config.serviceName());
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpSpanExporters.create(config))
                        .setScheduleDelay(config.scheduleDelay()).build())
                .build();
        return new BuildTracer(provider);
    }

    /** A Dockerfile build's root span; see {@link #startBuild(String, String, String)}. */
    public BuildSpans startBuild(String buildId, String target) {
        return startBuild(buildId, KilndTracing.DOCKERFILE, target);
    }

    /**
     * Opens the root span of one build (named {@code kilnd build}); its vertices become child
     * spans as progress events arrive at the returned sink.
     *
     * @param buildId the build's ref, as the client and the build history know it
     * @param frontend what the client sent: {@code dockerfile} or {@code llb} (a raw LLB solve)
     * @param target the Dockerfile stage built, or empty for the last one (or an LLB solve)
     */
    public BuildSpans startBuild(String buildId, String frontend, String target) {
        return startBuild(buildId, frontend, target, Instant.now());
    }

    /** As {@link #startBuild(String, String, String)}, for a build that began at {@code start}. */
    public BuildSpans startBuild(String buildId, String frontend, String target, Instant start) {
        Span root = tracer.spanBuilder("kilnd build").setNoParent().setStartTimestamp(start)
                .setAttribute(BUILD_ID, buildId).setAttribute(BUILD_FRONTEND, frontend)
                .setAttribute(BUILD_TARGET, target == null ? "" : target).startSpan();
        return new BuildSpans(tracer, root);
    }

    /** Exports every ended span now; true when that finished within the timeout. */
    public boolean forceFlush(Duration timeout) {
        return provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
    }

    /** Exports what is queued and stops the export thread. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }
}
