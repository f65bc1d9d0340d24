package dev.kiln.daemon.server;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.daemon.context.ContextStore;
import dev.kiln.engine.Engine;
import dev.kiln.worker.gc.StateStorage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The daemon's counters in the Prometheus text format, served on an optional HTTP address
 * ({@code kilnd --metrics-addr 127.0.0.1:9464}, path {@code /metrics}): builds by final status,
 * build time (a histogram), running builds, attached sessions, bytes of context transferred,
 * bytes pulled from and pushed to registries,
 * build steps served from the cache versus run, and the disk the state dir and the context
 * copies use. The disk gauge is measured off the scrape path (listing the state dir waits for
 * running builds): after every build, and when a scrape finds it older than a minute; it is
 * absent until a first measurement exists. Thread-safe; {@link #close} stops the HTTP server.
 */
public final class DaemonMetrics implements AutoCloseable {
    /** Upper bounds (seconds) of the build duration histogram's buckets, below {@code +Inf}. */
    static final double[] DURATION_BUCKETS = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};
    private static final long DISK_STALE_MILLIS = 60_000;
    private final Map<String, AtomicLong> builds = new ConcurrentHashMap<>();
    private final AtomicLong durationMillis = new AtomicLong();
    private final AtomicLongArray durationBuckets = new AtomicLongArray(DURATION_BUCKETS.length);
    private final AtomicBoolean measuringDisk = new AtomicBoolean();
    private final AtomicBoolean diskWanted = new AtomicBoolean();
    private volatile LongSupplier diskMeasure;
    private volatile long diskUsed = -1;
    private volatile long diskMeasuredAt;
    private final AtomicLong contextBytes = new AtomicLong();
    private final AtomicLong stepsCached = new AtomicLong();
    private final AtomicLong stepsRun = new AtomicLong();
    private IntSupplier running = () -> 0;
    private IntSupplier sessions = () -> 0;
    private volatile LongSupplier registryPulled = () -> 0;
    private volatile LongSupplier registryPushed = () -> 0;
    private HttpServer http;

    void gauges(IntSupplier runningBuilds, IntSupplier attachedSessions) {
        this.running = runningBuilds;
        this.sessions = attachedSessions;
    }

    /** Where the registry byte counters come from (the engine's registry client totals). */
    void registryTotals(LongSupplier pulled, LongSupplier pushed) {
        this.registryPulled = pulled;
        this.registryPushed = pushed;
    }

    void buildFinished(String status, long millis) {
        builds.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        durationMillis.addAndGet(millis);
        for (int i = 0; i < DURATION_BUCKETS.length; i++) {
            if (millis <= DURATION_BUCKETS[i] * 1000) {
                durationBuckets.incrementAndGet(i);
            }
        }
        measureDisk();
    }

    /**
     * Where the disk gauge comes from: {@code measure} returns the bytes used and may block (it
     * runs on its own virtual thread). The first call wins; it starts a first measurement.
     */
    void diskUsage(LongSupplier measure) {
        if (diskMeasure == null) {
            synchronized (this) {
                if (diskMeasure != null) {
                    return;
                }
                diskMeasure = measure;
            }
            measureDisk();
        }
    }

    /** The bytes the engine's state dir records and the daemon's context copies take; blocks while builds run. */
    static long diskUsed(Engine engine, ContextStore contexts) {
        try {
            return StateStorage.total(engine.storage().usage()) + contexts.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Measures the disk used on a virtual thread; a request while one runs makes it measure again after. */
    private void measureDisk() {
        if (diskMeasure == null) {
            return;
        }
        diskWanted.set(true);
        if (measuringDisk.compareAndSet(false, true)) {
            Thread.ofVirtual().name("kilnd-metrics-disk").start(this::measureWhileWanted);
        }
    }

    private void measureWhileWanted() {
        do {
            while (diskWanted.getAndSet(false)) {
                try {
                    diskUsed = diskMeasure.getAsLong();
                    diskMeasuredAt = System.currentTimeMillis();
                } catch (RuntimeException e) {
                    // the gauge keeps its last value; the next build or scrape tries again
                }
            }
            measuringDisk.set(false);
        } while (diskWanted.get() && measuringDisk.compareAndSet(false, true));
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
        sb.append("# HELP kilnd_build_duration_seconds Time builds took.\n# TYPE kilnd_build_duration_seconds histogram\n");
        for (int i = 0; i < DURATION_BUCKETS.length; i++) {
            sb.append("kilnd_build_duration_seconds_bucket{le=\"").append(DURATION_BUCKETS[i]).append("\"} ")
                    .append(Math.min(count, durationBuckets.get(i))).append('\n');
        }
        sb.append("kilnd_build_duration_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n');
        sb.append("kilnd_build_duration_seconds_sum ").append(durationMillis.get() / 1000.0).append('\n');
        sb.append("kilnd_build_duration_seconds_count ").append(count).append('\n');
        gauge(sb, "kilnd_builds_running", "Builds running now.", running.getAsInt());
        gauge(sb, "kilnd_sessions", "Client sessions attached now.", sessions.getAsInt());
        counter(sb, "kilnd_context_bytes_transferred_total", "Bytes of build context sent by clients.", contextBytes.get());
        sb.append("# HELP kilnd_registry_bytes_total Bytes of blobs and manifests moved to or from registries.\n"
                + "# TYPE kilnd_registry_bytes_total counter\n");
        sb.append("kilnd_registry_bytes_total{direction=\"pull\"} ").append(registryPulled.getAsLong()).append('\n');
        sb.append("kilnd_registry_bytes_total{direction=\"push\"} ").append(registryPushed.getAsLong()).append('\n');
        counter(sb, "kilnd_steps_cached_total", "Build steps served from the cache (cache hits).", stepsCached.get());
        counter(sb, "kilnd_steps_run_total", "Build steps that ran (cache misses).", stepsRun.get());
        long disk = diskUsed;
        if (disk >= 0) {
            gauge(sb, "kilnd_disk_used_bytes", "Bytes the state dir (snapshots, content, cache mounts) and the context "
                    + "copies use, as last measured.", disk);
        }
        if (System.currentTimeMillis() - diskMeasuredAt > DISK_STALE_MILLIS) {
            measureDisk();
        }
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
