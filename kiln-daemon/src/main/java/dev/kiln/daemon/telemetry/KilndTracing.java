package dev.kiln.daemon.telemetry;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * kilnd's process-wide tracing switch. The first build reads the OTEL_* environment (see
 * {@link TracingConfig}); if it asks for traces, one {@link BuildTracer} is created and closed
 * by a shutdown hook, which exports the spans still queued. If no variable asks for traces
 * (or they are invalid, which is reported once on stderr), {@link #traced} just runs the
 * build: no OpenTelemetry object is created and no thread started. Dockerfile builds and raw
 * LLB solves are traced alike; the root span's {@code kiln.build.frontend} tells them apart.
 */
public final class KilndTracing {
    /** The {@code kiln.build.frontend} of a Dockerfile build. */
    public static final String DOCKERFILE = "dockerfile";
    /** The {@code kiln.build.frontend} of a raw LLB solve. */
    public static final String LLB = "llb";

    private KilndTracing() {}

    /**
     * Reads the OTEL_* environment now (reporting an invalid setting on stderr) and starts the
     * exporter if it asks for traces; true when builds will be traced. Optional: the first build
     * does the same. A daemon calls it at start so that a bad setting shows at once.
     */
    public static boolean start() {
        return Holder.TRACER.isPresent();
    }

    /** A build to run with the sink its progress must go to. */
    @FunctionalInterface
    public interface TracedBuild<R> {
        R run(ProgressSink progress) throws IOException, InterruptedException;
    }

    private static final class Holder {
        static final Optional<BuildTracer> TRACER = load();

        private static Optional<BuildTracer> load() {
            Optional<TracingConfig> config;
            try {
                config = TracingConfig.fromEnvironment(System.getenv());
            } catch (IllegalArgumentException e) {
                System.err.println("kilnd: build traces are off: " + e.getMessage());
                return Optional.empty();
            }
            return config.map(c -> {
                BuildTracer tracer = BuildTracer.create(c);
                Runtime.getRuntime().addShutdownHook(new Thread(tracer::close, "kilnd-otel-shutdown"));
                return tracer;
            });
        }
    }

    /**
     * Runs one build, tracing it when tracing is on: its progress goes to {@code downstream}
     * and to the build's spans, and the root span ends with the digest {@code digestOf} gives
     * for the result, or with the error the build threw.
     */
    public static <R> R traced(String buildId, String target, ProgressSink downstream, TracedBuild<R> build,
            Function<R, String> digestOf) throws IOException, InterruptedException {
        return traced(buildId, target, List.of(), downstream, build, digestOf);
    }

    /**
     * As {@link #traced(String, String, ProgressSink, TracedBuild, Function)}, for a build whose
     * daemon already reported {@code earlier} events (the context upload): the root span starts
     * at the first of them and they become spans too.
     */
    public static <R> R traced(String buildId, String target, List<ProgressEvent> earlier, ProgressSink downstream,
            TracedBuild<R> build, Function<R, String> digestOf) throws IOException, InterruptedException {
        Optional<BuildTracer> tracer = Holder.TRACER;
        if (tracer.isEmpty()) {
            return build.run(downstream);
        }
        return traced(tracer.get(), buildId, DOCKERFILE, target, earlier, downstream, build, digestOf);
    }

    /** As {@link #traced(String, String, List, ProgressSink, TracedBuild, Function)} for a raw LLB solve. */
    public static <R> R tracedSolve(String buildId, List<ProgressEvent> earlier, ProgressSink downstream,
            TracedBuild<R> build, Function<R, String> digestOf) throws IOException, InterruptedException {
        Optional<BuildTracer> tracer = Holder.TRACER;
        if (tracer.isEmpty()) {
            return build.run(downstream);
        }
        return traced(tracer.get(), buildId, LLB, "", earlier, downstream, build, digestOf);
    }

    /** Traces one build with {@code tracer}: the root span starts at the first earlier event, which are replayed. */
    static <R> R traced(BuildTracer tracer, String buildId, String frontend, String target, List<ProgressEvent> earlier,
            ProgressSink downstream, TracedBuild<R> build, Function<R, String> digestOf)
            throws IOException, InterruptedException {
        Instant now = Instant.now();
        Instant start = earlier.stream().map(ProgressEvent::time).filter(t -> t != null && t.isBefore(now))
                .min(Instant::compareTo).orElse(now);
        BuildSpans spans = tracer.startBuild(buildId, frontend, target, start);
        earlier.forEach(spans::accept);
        return traced(spans, downstream, build, digestOf);
    }

    /** Runs the build feeding {@code spans} as well as {@code downstream}; package-visible for tests. */
    static <R> R traced(BuildSpans spans, ProgressSink downstream, TracedBuild<R> build, Function<R, String> digestOf)
            throws IOException, InterruptedException {
        ProgressSink both = event -> {
            downstream.accept(event);
            spans.accept(event);
        };
        try {
            R result = build.run(both);
            spans.succeeded(digestOf.apply(result));
            return result;
        } catch (InterruptedException e) {
            spans.failed("cancelled");
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            spans.failed(String.valueOf(e.getMessage()));
            throw e;
        }
    }
}
