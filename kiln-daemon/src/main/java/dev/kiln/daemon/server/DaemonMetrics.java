package dev.kiln.daemon.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The daemon's counters in the Prometheus text format, served on an optional HTTP address
 * ({@code kilnd --metrics-addr 127.0.0.1:9464}, path {@code /metrics}): builds by final status,
 * build time, running builds, attached sessions, bytes of context transferred, and build steps
 * served from the cache versus run. Thread-safe; {@link #close} stops the HTTP server.
 */
public final class DaemonMetrics implements AutoCloseable {
    private final Map<String, AtomicLong> builds = new ConcurrentHashMap<>();
    private final AtomicLong durationMillis = new AtomicLong();
    private final AtomicLong contextBytes = new AtomicLong();
    private final AtomicLong stepsCached = new AtomicLong();
    private final AtomicLong stepsRun = new AtomicLong();
    private IntSupplier running = () -> 0;
    private IntSupplier sessions = () -> 0;
    private HttpServer http;

    void gauges(IntSupplier runningBuilds, IntSupplier attachedSessions) {
        this.running = runningBuilds;
        this.sessions = attachedSessions;
    }

    void buildFinished(String status, long millis) {
        builds.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        durationMillis.addAndGet(millis);
    }

    void contextTransferred(long bytes) {
        contextBytes.addAndGet(bytes);
    }

    void stepCached() {
        stepsCached.incrementAndGet();
    }

    void stepRun() {
        stepsRun.incrementAndGet();
    }

    /** The metrics page. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP kilnd_builds_total Builds that ended, by status.\n# TYPE kilnd_builds_total counter\n");
        for (String s : new String[] {"completed", "failed", "cancelled"}) {
            sb.append("kilnd_builds_total{status=\"").append(s).append("\"} ")
                    .append(builds.getOrDefault(s, new AtomicLong()).get()).append('\n');
        }
        long count = builds.values().stream().mapToLong(AtomicLong::get).sum();
        sb.append("# HELP kilnd_build_duration_seconds Time builds took.\n# TYPE kilnd_build_duration_seconds summary\n");
        sb.append("kilnd_build_duration_seconds_sum ").append(durationMillis.get() / 1000.0).append('\n');
        sb.append("kilnd_build_duration_seconds_count ").append(count).append('\n');
        gauge(sb, "kilnd_builds_running", "Builds running now.", running.getAsInt());
        gauge(sb, "kilnd_sessions", "Client sessions attached now.", sessions.getAsInt());
        counter(sb, "kilnd_context_bytes_transferred_total", "Bytes of build context sent by clients.", contextBytes.get());
        counter(sb, "kilnd_steps_cached_total", "Build steps served from the cache (cache hits).", stepsCached.get());
        counter(sb, "kilnd_steps_run_total", "Build steps that ran (cache misses).", stepsRun.get());
        return sb.toString();
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }

    /** Serves {@code /metrics} on {@code host:port} (0: any free port); returns the bound address. */
    InetSocketAddress serve(String host, int port) throws IOException {
        http = HttpServer.create(new InetSocketAddress(host, port), 16);
        http.createContext("/metrics", ex -> {
            byte[] body = render().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        http.setExecutor(null);
        http.start();
        return http.getAddress();
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
    }
}
