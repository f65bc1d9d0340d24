package dev.kiln.cli.progress;

import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plain progress display, in the reference's form: each step gets a number
 * ({@code #3 [2/4] RUN make}), its output lines are prefixed with the number and the seconds
 * since it started, and it ends with {@code #3 DONE 1.2s}, {@code #3 CACHED} or
 * {@code #3 ERROR: …}. With {@code logs} false (the tty display), step output is shown only
 * when the step fails. Thread-safe: events from concurrent steps are printed whole.
 */
public final class PlainProgress implements ProgressSink {
    private final PrintStream out;
    private final boolean logs;
    private final Map<String, Integer> numbers = new HashMap<>();
    private final Map<String, Instant> starts = new HashMap<>();
    private final Map<String, StringBuilder> partial = new HashMap<>();
    private final Map<String, List<String>> held = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();

    public PlainProgress(PrintStream out, boolean logs) {
        this.out = out;
        this.logs = logs;
    }

    @Override
    public synchronized void accept(ProgressEvent e) {
        switch (e) {
            case ProgressEvent.Started s -> {
                int n = number(s.vertex(), s.name());
                starts.put(s.vertex(), s.time());
                if (logs) {
                    out.println();
                    out.println("#" + n + " " + s.name());
                }
            }
            case ProgressEvent.Cached c -> {
                int n = number(c.vertex(), c.name());
                if (logs) {
                    out.println();
                    out.println("#" + n + " " + c.name());
                    out.println("#" + n + " CACHED");
                } else {
                    out.println("=> CACHED " + c.name());
                }
            }
            case ProgressEvent.Log l -> log(l);
            case ProgressEvent.Status s -> {
                if (logs && s.done()) {
                    out.println("#" + number(s.vertex(), s.message()) + " " + s.message() + " done");
                }
            }
            case ProgressEvent.Completed c -> {
                int n = number(c.vertex(), c.name());
                flushPartial(c.vertex());
                String secs = String.format(Locale.ROOT, "%.1fs", Duration.between(c.started(), c.time()).toMillis() / 1000.0);
                if (c.error() == null) {
                    out.println(logs ? "#" + n + " DONE " + secs : "=> " + c.name() + "  " + secs);
                } else {
                    if (!logs) {
                        out.println("=> ERROR " + c.name());
                        for (String line : held.getOrDefault(c.vertex(), List.of())) {
                            out.println("   " + line);
                        }
                    }
                    String first = c.error().lines().findFirst().orElse("");
                    out.println(first.equals("cancelled") ? "#" + n + " CANCELED" : "#" + n + " ERROR: " + first);
                }
                held.remove(c.vertex());
            }
            case ProgressEvent.Warning w -> warnings.add(w.message());
        }
        out.flush();
    }

    private void log(ProgressEvent.Log l) {
        StringBuilder sb = partial.computeIfAbsent(l.vertex(), k -> new StringBuilder());
        sb.append(new String(l.data(), StandardCharsets.UTF_8));
        int nl;
        while ((nl = sb.indexOf("\n")) >= 0) {
            line(l.vertex(), sb.substring(0, nl), l.time());
            sb.delete(0, nl + 1);
        }
    }

    private void flushPartial(String vertex) {
        StringBuilder sb = partial.remove(vertex);
        if (sb != null && !sb.isEmpty()) {
            line(vertex, sb.toString(), Instant.now());
        }
    }

    private void line(String vertex, String text, Instant at) {
        if (!logs) {
            List<String> h = held.computeIfAbsent(vertex, k -> new ArrayList<>());
            h.add(text);
            if (h.size() > 30) {
                h.removeFirst();
            }
            return;
        }
        Instant start = starts.getOrDefault(vertex, at);
        String secs = String.format(Locale.ROOT, "%.3f", Duration.between(start, at).toMillis() / 1000.0);
        out.println("#" + number(vertex, "") + " " + secs + " " + text);
    }

    private int number(String vertex, String name) {
        return numbers.computeIfAbsent(vertex, k -> numbers.size() + 1);
    }

    /** Prints the warnings collected during the build, as the reference does at the end. */
    public synchronized void finish() {
        if (!warnings.isEmpty()) {
            out.println();
            out.println(" " + warnings.size() + " warning" + (warnings.size() == 1 ? "" : "s") + " found:");
            for (String w : warnings) {
                out.println(" - " + w);
            }
        }
        out.flush();
    }
}
