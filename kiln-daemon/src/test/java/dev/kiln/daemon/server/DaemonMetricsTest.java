package dev.kiln.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.progress.ProgressEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The metrics page: what builds, steps and the disk measure put on it, served over HTTP. */
class DaemonMetricsTest {
    @Test
    void buildDurationsFillTheHistogramBuckets() {
        DaemonMetrics m = new DaemonMetrics();
        m.buildFinished("completed", 800);
        m.buildFinished("completed", 20_000);
        m.buildFinished("failed", 4_000_000);
        String page = m.render();
        assertThat(page).contains("# TYPE kilnd_build_duration_seconds histogram")
                .contains("kilnd_build_duration_seconds_bucket{le=\"1.0\"} 1\n")
                .contains("kilnd_build_duration_seconds_bucket{le=\"15.0\"} 1\n")
                .contains("kilnd_build_duration_seconds_bucket{le=\"30.0\"} 2\n")
                .contains("kilnd_build_duration_seconds_bucket{le=\"3600.0\"} 2\n")
                .contains("kilnd_build_duration_seconds_bucket{le=\"+Inf\"} 3\n")
                .contains("kilnd_build_duration_seconds_sum 4020.8\n")
                .contains("kilnd_build_duration_seconds_count 3\n")
                .contains("kilnd_builds_total{status=\"completed\"} 2\n")
                .contains("kilnd_builds_total{status=\"failed\"} 1\n");
    }

    @Test
    void stepsAreCountedAsCacheHitsOrMissesFromTheBuildsProgress() {
        DaemonMetrics m = new DaemonMetrics();
        BuildTrace trace = new BuildTrace("ref", m);
        Instant t = Instant.now();
        trace.accept(new ProgressEvent.Cached("sha256:a", "[1/3] FROM busybox", t));
        trace.accept(new ProgressEvent.Completed("sha256:b", "[2/3] RUN make", t, t, null));
        trace.accept(new ProgressEvent.Completed("sha256:c", "ExecOp 1234abcd", t, t, null)); // a raw LLB op
        trace.accept(new ProgressEvent.Completed("sha256:d", "[3/3] RUN false", t, t, "exit 1"));
        trace.accept(new ProgressEvent.Completed("sha256:e", "[internal] load build context", t, t, null));
        trace.accept(new ProgressEvent.Completed(DaemonBuild.CONTEXT_VERTEX, "[internal] transfer build context", t, t, null));
        trace.accept(new ProgressEvent.Completed("export:1", "exporting to image", t, t, null));
        String page = m.render();
        assertThat(page).contains("kilnd_steps_cached_total 1\n").contains("kilnd_steps_run_total 2\n");
    }

    @Test
    void diskUsedAppearsOnceMeasuredAndIsRemeasuredAfterBuilds() throws Exception {
        DaemonMetrics m = new DaemonMetrics();
        assertThat(m.render()).doesNotContain("kilnd_disk_used_bytes");
        AtomicLong bytes = new AtomicLong(12_345);
        CountDownLatch[] measured = {new CountDownLatch(1)};
        m.diskUsage(() -> {
            long v = bytes.get();
            measured[0].countDown();
            return v;
        });
        assertThat(measured[0].await(5, TimeUnit.SECONDS)).isTrue();
        awaitPage(m, "kilnd_disk_used_bytes 12345\n");

        bytes.set(99_000);
        measured[0] = new CountDownLatch(1);
        m.buildFinished("completed", 10);
        assertThat(measured[0].await(5, TimeUnit.SECONDS)).isTrue();
        awaitPage(m, "kilnd_disk_used_bytes 99000\n");
    }

    @Test
    void registryBytesAreReadFromTheEnginesTotalsAtEachScrape() {
        DaemonMetrics m = new DaemonMetrics();
        assertThat(m.render()).contains("kilnd_registry_bytes_total{direction=\"pull\"} 0\n");
        java.util.concurrent.atomic.AtomicLong pulled = new java.util.concurrent.atomic.AtomicLong(1234);
        m.registryTotals(pulled::get, () -> 99);
        assertThat(m.render()).contains("kilnd_registry_bytes_total{direction=\"pull\"} 1234\n")
                .contains("kilnd_registry_bytes_total{direction=\"push\"} 99\n");
        pulled.addAndGet(10);
        assertThat(m.render()).contains("kilnd_registry_bytes_total{direction=\"pull\"} 1244\n");
    }

    @Test
    void theMetricsPageIsServedOverHttp() throws Exception {
        try (DaemonMetrics m = new DaemonMetrics()) {
            m.contextTransferred(4096);
            var address = m.serve("127.0.0.1", 0);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + address.getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(r.body()).contains("kilnd_context_bytes_transferred_total 4096\n");
        }
    }

    private static void awaitPage(DaemonMetrics m, String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!m.render().contains(line)) {
            assertThat(System.nanoTime()).as("metrics page never showed " + line.trim()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
