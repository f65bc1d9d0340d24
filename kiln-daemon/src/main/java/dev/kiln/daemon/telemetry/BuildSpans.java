package dev.kiln.daemon.telemetry;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The spans of one build, fed by its progress events: a {@link ProgressSink} that opens a
 * child span of the build's root span when a vertex starts (named as the user sees the vertex,
 * starting at the event's time), marks it {@code cached=true} when the cache served it, and
 * ends it at its {@link ProgressEvent.Completed} time with an error status when it failed.
 * A finished transfer ({@code transferring context: SIZE}) sets {@code kiln.transfer.bytes} on
 * its vertex's span. Warnings become events on the root span; logs and other statuses are not
 * traced.
 * {@link #succeeded} or {@link #failed} ends the root span (and any vertex still open) once;
 * events after that are ignored. Thread-safe.
 */
public final class BuildSpans implements ProgressSink {
    private final Tracer tracer;
    private final Span root;
    private final Context parent;
    private final Map<String, Span> open = new LinkedHashMap<>();
    private Instant latest = Instant.MIN;
    private boolean ended;

    BuildSpans(Tracer tracer, Span root) {
        this.tracer = tracer;
        this.root = root;
        this.parent = Context.root().with(root);
    }

    @Override
    public synchronized void accept(ProgressEvent event) {
        if (ended) {
            return;
        }
        if (event.time() != null && event.time().isAfter(latest)) {
            latest = event.time();
        }
        switch (event) {
            case ProgressEvent.Started s -> open.computeIfAbsent(s.vertex(), v -> startVertex(v, s.name(), s.time()));
            case ProgressEvent.Cached c -> {
                Span span = open.remove(c.vertex());
                if (span == null) {
                    span = startVertex(c.vertex(), c.name(), c.time());
                }
                span.setAttribute(BuildTracer.CACHED, true);
                span.end(c.time());
            }
            case ProgressEvent.Completed c -> {
                Span span = open.remove(c.vertex());
                if (span == null) {
                    span = startVertex(c.vertex(), c.name(), c.started() != null ? c.started() : c.time());
                }
                if (c.error() != null) {
                    span.setStatus(StatusCode.ERROR, c.error());
                }
                span.end(c.time());
            }
            case ProgressEvent.Warning w -> root.addEvent("warning",
                    Attributes.of(AttributeKey.stringKey("message"), w.message()), w.time());
            case ProgressEvent.Log l -> { }
            case ProgressEvent.Status s -> {
                Span span = open.get(s.vertex());
                if (span != null && s.done() && s.id().equals("transfer")) {
                    span.setAttribute(BuildTracer.TRANSFERRED, s.total());
                }
            }
        }
    }

    /** Ends the build's root span with the digest of the image (or manifest list) it produced. */
    public synchronized void succeeded(String resultDigest) {
        if (ended) {
            return;
        }
        root.setAttribute(BuildTracer.RESULT_DIGEST, resultDigest);
        end(null);
    }

    /** Ends the build's root span, and any vertex still running, as failed with this message. */
    public synchronized void failed(String error) {
        if (ended) {
            return;
        }
        end(error == null ? "failed" : error);
    }

    private void end(String error) {
        ended = true;
        // no span ends before the events it was given: clocks of event sources may run slightly ahead
        Instant now = latest.isAfter(Instant.now()) ? latest : Instant.now();
        for (Span span : open.values()) {
            if (error != null) {
                span.setStatus(StatusCode.ERROR, "the build ended before this step completed: " + error);
            }
            span.end(now);
        }
        open.clear();
        if (error != null) {
            root.setStatus(StatusCode.ERROR, error);
        }
        root.end(now);
    }

    private Span startVertex(String vertex, String name, Instant start) {
        return tracer.spanBuilder(name == null || name.isEmpty() ? vertex : name).setParent(parent)
                .setStartTimestamp(start).setAttribute(BuildTracer.VERTEX, vertex).startSpan();
    }
}
