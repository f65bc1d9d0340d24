package dev.kiln.daemon;

import com.google.protobuf.ByteString;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.daemon.api.Event;
import java.time.Instant;

/**
 * Converts progress events between the engine's {@link ProgressEvent} and the wire's
 * {@link Event}, in both directions: the daemon encodes what the engine reports, the client
 * decodes it and hands it to the same display classes as a daemonless build. Stateless.
 */
public final class ProgressCodec {
    private ProgressCodec() {}

    /** The wire form of {@code e}, numbered {@code seq} in its build's stream. */
    public static Event encode(ProgressEvent e, long seq) {
        Event.Builder b = Event.newBuilder().setSeq(seq).setVertex(e.vertex()).setTimeUnixNanos(nanos(e.time()));
        switch (e) {
            case ProgressEvent.Started s -> b.setStarted(Event.Started.newBuilder().setName(s.name()));
            case ProgressEvent.Cached c -> b.setCached(Event.Cached.newBuilder().setName(c.name()));
            case ProgressEvent.Log l -> b.setLog(Event.Log.newBuilder().setStream(l.stream()).setData(ByteString.copyFrom(l.data())));
            case ProgressEvent.Completed c -> {
                Event.Completed.Builder cb = Event.Completed.newBuilder().setName(c.name())
                        .setStartedUnixNanos(nanos(c.started()));
                if (c.error() != null) {
                    cb.setError(c.error());
                }
                b.setCompleted(cb);
            }
            case ProgressEvent.Status s -> b.setStatus(Event.StatusUpdate.newBuilder().setId(s.id()).setMessage(s.message())
                    .setCurrent(s.current()).setTotal(s.total()).setDone(s.done()));
            case ProgressEvent.Warning w -> b.setWarning(Event.Warning.newBuilder().setMessage(w.message()));
        }
        return b.build();
    }

    /** The event {@code e} describes; throws IllegalArgumentException for an event of no known kind. */
    public static ProgressEvent decode(Event e) {
        Instant t = instant(e.getTimeUnixNanos());
        return switch (e.getKindCase()) {
            case STARTED -> new ProgressEvent.Started(e.getVertex(), e.getStarted().getName(), t);
            case CACHED -> new ProgressEvent.Cached(e.getVertex(), e.getCached().getName(), t);
            case LOG -> new ProgressEvent.Log(e.getVertex(), e.getLog().getStream(), e.getLog().getData().toByteArray(), t);
            case COMPLETED -> new ProgressEvent.Completed(e.getVertex(), e.getCompleted().getName(),
                    instant(e.getCompleted().getStartedUnixNanos()), t,
                    e.getCompleted().hasError() ? e.getCompleted().getError() : null);
            case STATUS -> {
                Event.StatusUpdate s = e.getStatus();
                yield new ProgressEvent.Status(e.getVertex(), s.getId(), s.getMessage(), s.getCurrent(), s.getTotal(),
                        s.getDone(), t);
            }
            case WARNING -> new ProgressEvent.Warning(e.getVertex(), e.getWarning().getMessage(), t);
            case KIND_NOT_SET -> throw new IllegalArgumentException("progress event " + e.getSeq() + " has no kind");
        };
    }

    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
