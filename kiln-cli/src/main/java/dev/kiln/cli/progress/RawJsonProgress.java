package dev.kiln.cli.progress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** {@code --progress=rawjson}: every progress event as one JSON object per line. */
public final class RawJsonProgress implements ProgressSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrintStream out;

    public RawJsonProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void accept(ProgressEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("vertex", e.vertex());
        n.put("time", e.time().toString());
        switch (e) {
            case ProgressEvent.Started s -> n.put("event", "started").put("name", s.name());
            case ProgressEvent.Cached c -> n.put("event", "cached").put("name", c.name());
            case ProgressEvent.Log l -> n.put("event", "log").put("stream", l.stream())
                    .put("data", new String(l.data(), StandardCharsets.UTF_8));
            case ProgressEvent.Completed c -> n.put("event", "completed").put("name", c.name())
                    .put("started", c.started().toString()).put("error", c.error());
            case ProgressEvent.Status s -> n.put("event", "status").put("id", s.id()).put("message", s.message())
                    .put("current", s.current()).put("total", s.total()).put("done", s.done());
            case ProgressEvent.Warning w -> n.put("event", "warning").put("message", w.message());
        }
        out.println(n);
        out.flush();
    }
}
