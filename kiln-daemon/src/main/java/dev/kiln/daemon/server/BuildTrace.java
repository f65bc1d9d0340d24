package dev.kiln.daemon.server;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.daemon.ProgressCodec;
import dev.kiln.daemon.api.Event;
import dev.kiln.daemon.api.StatusResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The progress of one build as the daemon keeps it: every event, numbered from 1, for the
 * Status streams that follow the build (a stream that reconnects asks from the number it
 * expects next), plus the last lines of output for the build history. The engine writes to
 * it as a {@link ProgressSink}; {@link #finish} ends every stream. Dropped by
 * {@link BuildTraces} shortly after the build ended. Thread-safe.
 */
final class BuildTrace implements ProgressSink {
    private static final int TAIL = 50;
    private final String ref;
    private final List<Event> events = new ArrayList<>();
    private final List<ServerCallStreamObserver<StatusResponse>> followers = new ArrayList<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private boolean started;
    private boolean done;

    private final DaemonMetrics metrics;

    BuildTrace(String ref, DaemonMetrics metrics) {
        this.ref = ref;
        this.metrics = metrics;
    }

    String ref() {
        return ref;
    }

    synchronized void markStarted() {
        started = true;
    }

    synchronized boolean started() {
        return started;
    }

    synchronized boolean done() {
        return done;
    }

    @Override
    public synchronized void accept(ProgressEvent e) {
        if (done) {
            return;
        }
        if (e instanceof ProgressEvent.Cached) {
            metrics.stepCached();
        } else if (e instanceof ProgressEvent.Completed c && c.error() == null && c.vertex().startsWith("sha256:")
                && !c.name().startsWith("[internal]")) {
            // a solver vertex (Dockerfile step or raw LLB op) that ran; the daemon's and exporter's own vertices do not count
            metrics.stepRun();
        }
        Event ev = ProgressCodec.encode(e, events.size() + 1L);
        events.add(ev);
        if (e instanceof ProgressEvent.Log l) {
            for (String line : new String(l.data(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    tail.addLast(line);
                    if (tail.size() > TAIL) {
                        tail.removeFirst();
                    }
                }
            }
        }
        StatusResponse r = StatusResponse.newBuilder().addEvents(ev).build();
        followers.removeIf(f -> !send(f, r));
    }

    /** Streams the events from {@code fromSeq} on, then live ones, until the build ends. */
    synchronized void follow(long fromSeq, ServerCallStreamObserver<StatusResponse> out) {
        int from = (int) Math.max(0, Math.min(events.size(), fromSeq - 1));
        for (int i = from; i < events.size(); i += 100) {
            StatusResponse r = StatusResponse.newBuilder().addAllEvents(events.subList(i, Math.min(events.size(), i + 100)))
                    .build();
            if (!send(out, r)) {
                return;
            }
        }
        if (done) {
            out.onCompleted();
        } else {
            followers.add(out);
            out.setOnCancelHandler(() -> unfollow(out));
        }
    }

    private synchronized void unfollow(ServerCallStreamObserver<StatusResponse> out) {
        followers.remove(out);
    }

    private static boolean send(ServerCallStreamObserver<StatusResponse> f, StatusResponse r) {
        if (f.isCancelled()) {
            return false;
        }
        try {
            f.onNext(r);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Ends the build's streams. */
    synchronized void finish() {
        done = true;
        for (ServerCallStreamObserver<StatusResponse> f : followers) {
            try {
                f.onCompleted();
            } catch (RuntimeException e) {
                // the follower left
            }
        }
        followers.clear();
    }

    /** The events received so far (without output chunks), e.g. the context upload that precedes the engine's work. */
    synchronized List<ProgressEvent> replay() {
        return events.stream().filter(e -> !e.hasLog()).map(ProgressCodec::decode).toList();
    }

    synchronized List<String> tail() {
        return List.copyOf(tail);
    }
}
