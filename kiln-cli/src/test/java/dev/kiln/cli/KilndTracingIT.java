package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.client.KilnClient;
import dev.kiln.llb.dsl.FileActions;
import dev.kiln.llb.dsl.State;
import dev.kiln.testkit.otlp.OtlpTraceReceiver;
import dev.kiln.testkit.otlp.OtlpTraceReceiver.ReceivedSpan;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code ./kilnd} started with the standard OTEL_* variables pointing at an OTLP
 * receiver on loopback (the testkit's, decoding with the OTLP proto classes): a Dockerfile
 * build through {@code kiln --addr} and a raw LLB solve through {@link KilnClient#connect}
 * each become a trace with a root span (build id, frontend, result digest) and one child span
 * per vertex, the cached ones marked (a failing build's root span has an error status); the metrics port shows the builds, the cache hits and
 * misses, the context bytes and the disk used. Once over OTLP/HTTP protobuf, once over gRPC.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KilndTracingIT {
    private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+)");

    @TempDir
    static Path tmp;
    Path state;

    @BeforeAll
    void stateDir() {
        state = tmp.resolve("state"); // both daemons share it, one after the other
    }

    @Test
    void dockerfileBuildsAndLlbSolvesAreTracedOverHttpAndCounted() throws Exception {
        try (OtlpTraceReceiver receiver = OtlpTraceReceiver.http();
             Daemon kilnd = Daemon.start(state, tmp.resolve("run-http"), Map.of(
                     "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                     "OTEL_SERVICE_NAME", "kilnd-it", "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=it",
                     "OTEL_BSP_SCHEDULE_DELAY", "200"))) {
            Path ctx = Files.createDirectories(tmp.resolve("ctx"));
            Files.writeString(ctx.resolve("greeting.txt"), "hello from the context\n");
            Files.write(ctx.resolve("payload.bin"), new byte[300_000]);
            Files.writeString(ctx.resolve("Dockerfile"), """
                    FROM scratch
                    COPY greeting.txt /greeting.txt
                    COPY payload.bin /data/payload.bin
                    """);
            for (int i = 0; i < 2; i++) { // the second build is served from the cache
                KilnRunner.Run build = KilndProcess.kiln(Map.of(), List.of("--addr", kilnd.address(), "build",
                        "-t", "traced:" + i, ctx.toString()));
                assertThat(build.exit()).as(build.all()).isZero();
            }
            solveLlb(kilnd.address(), "traced-llb:1");
            Path bad = Files.createDirectories(tmp.resolve("bad"));
            Files.writeString(bad.resolve("Dockerfile"), "FROM scratch\nCOPY missing.txt /missing.txt\n");
            KilnRunner.Run failed = KilndProcess.kiln(Map.of(), List.of("--addr", kilnd.address(), "build", bad.toString()));
            assertThat(failed.exit()).as(failed.all()).isNotZero();

            List<ReceivedSpan> spans = receiver.await(s -> roots(s, "dockerfile").size() == 3 && roots(s, "llb").size() == 1
                    && s.stream().filter(x -> !x.isRoot()).count() >= 7, Duration.ofSeconds(30));
            ReceivedSpan failedRoot = roots(spans, "dockerfile").stream()
                    .filter(r -> !r.attributes().containsKey("kiln.build.result.digest")).findFirst().orElseThrow();
            assertThat(failedRoot.statusCode()).isEqualTo(2);
            assertThat(failedRoot.statusMessage()).contains("missing.txt");
            List<ReceivedSpan> dockerfile = roots(spans, "dockerfile").stream().filter(r -> r != failedRoot).toList();
            for (ReceivedSpan root : dockerfile) {
                assertThat(root.name()).isEqualTo("kilnd build");
                assertThat(root.attributes().get("kiln.build.id")).asString().isNotEmpty();
                assertThat(root.attributes().get("kiln.build.result.digest")).asString().startsWith("sha256:");
                assertThat(root.statusCode()).isNotEqualTo(2);
                assertThat(root.resource()).containsEntry("service.name", "kilnd-it")
                        .containsEntry("deployment.environment", "it");
            }
            List<ReceivedSpan> firstSteps = children(spans, dockerfile.get(0));
            List<ReceivedSpan> secondSteps = children(spans, dockerfile.get(1));
            assertThat(firstSteps).extracting(ReceivedSpan::name)
                    .anyMatch(n -> n.contains("COPY greeting.txt")).anyMatch(n -> n.contains("COPY payload.bin"));
            List<ReceivedSpan> firstRun = firstSteps.stream().filter(s -> s.name().contains("COPY payload.bin")).toList();
            List<ReceivedSpan> secondRun = secondSteps.stream().filter(s -> s.name().contains("COPY payload.bin")).toList();
            // which build ran first is not known from arrival order: one ran the step, the other was served from cache
            List<ReceivedSpan> runs = new ArrayList<>(firstRun);
            runs.addAll(secondRun);
            assertThat(runs).hasSize(2);
            assertThat(runs).filteredOn(s -> Boolean.TRUE.equals(s.attributes().get("cached"))).hasSize(1);
            assertThat(runs).allSatisfy(s -> assertThat(s.attributes().get("kiln.vertex.digest")).asString()
                    .startsWith("sha256:"));

            // the context upload, reported by the daemon before the engine ran, is a span of each build
            List<Object> uploaded = dockerfile.stream().flatMap(r -> children(spans, r).stream())
                    .filter(s -> s.name().equals("[internal] transfer build context"))
                    .map(s -> s.attributes().get("kiln.transfer.bytes")).toList();
            assertThat(uploaded).hasSize(2).anySatisfy(b -> assertThat((Long) b).isGreaterThanOrEqualTo(300_000L));

            ReceivedSpan llb = roots(spans, "llb").getFirst();
            assertThat(llb.attributes().get("kiln.build.result.digest")).asString().startsWith("sha256:");
            assertThat(children(spans, llb)).extracting(ReceivedSpan::name).anyMatch(n -> n.contains("mkfile /etc/motd"));
            assertThat(receiver.contentTypes()).allMatch(t -> t.startsWith("application/x-protobuf"));

            String page = kilnd.scrapeUntil(p -> metric(p, "kilnd_disk_used_bytes") > 0);
            assertThat(metric(page, "kilnd_builds_total{status=\"completed\"}")).isEqualTo(3);
            assertThat(metric(page, "kilnd_builds_total{status=\"failed\"}")).isEqualTo(1);
            assertThat(metric(page, "kilnd_build_duration_seconds_count")).isEqualTo(4);
            assertThat(metric(page, "kilnd_build_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(4);
            assertThat(metric(page, "kilnd_steps_cached_total")).isPositive();
            assertThat(metric(page, "kilnd_steps_run_total")).isGreaterThanOrEqualTo(3); // two COPYs and the mkfile
            assertThat(metric(page, "kilnd_context_bytes_transferred_total")).isGreaterThanOrEqualTo(300_000);
            assertThat(metric(page, "kilnd_disk_used_bytes")).isGreaterThan(300_000); // the payload's layer, at least
        }
    }

    @Test
    void anLlbSolveIsTracedOverGrpc() throws Exception {
        try (OtlpTraceReceiver receiver = OtlpTraceReceiver.grpc();
             Daemon kilnd = Daemon.start(state, tmp.resolve("run-grpc"), Map.of(
                     "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.endpoint(), "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc",
                     "OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=kiln-it", "OTEL_BSP_SCHEDULE_DELAY", "200"))) {
            solveLlb(kilnd.address(), "traced-grpc:1");
            List<ReceivedSpan> spans = receiver.await(s -> roots(s, "llb").size() == 1 && s.size() >= 2, Duration.ofSeconds(30));
            ReceivedSpan root = roots(spans, "llb").getFirst();
            assertThat(root.resource()).containsEntry("service.name", "kilnd");
            assertThat(children(spans, root)).extracting(ReceivedSpan::name).anyMatch(n -> n.contains("mkfile /etc/motd"));
            assertThat(children(spans, root)).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(root.traceId()));
            assertThat(receiver.headers()).allSatisfy(h -> assertThat(h).containsEntry("x-tenant", "kiln-it"));
        }
    }

    private static void solveLlb(String address, String tag) {
        State s = State.scratch().dir("/etc").file(FileActions.mkfile("motd", 0644, "traced " + tag + "\n"));
        try (KilnClient client = KilnClient.connect(address)) {
            var result = client.solve(s, null, List.of(tag), e -> { });
            assertThat(result.manifest().digest().toString()).startsWith("sha256:");
        } catch (Exception e) {
            throw new AssertionError("the LLB solve failed", e);
        }
    }

    private static List<ReceivedSpan> roots(List<ReceivedSpan> spans, String frontend) {
        return spans.stream().filter(s -> s.isRoot() && frontend.equals(s.attributes().get("kiln.build.frontend"))).toList();
    }

    private static List<ReceivedSpan> children(List<ReceivedSpan> spans, ReceivedSpan root) {
        return spans.stream().filter(s -> s.parentSpanId().equals(root.spanId()) && s.traceId().equals(root.traceId())).toList();
    }

    private static double metric(String page, String name) {
        return page.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(-1);
    }

    /** {@code ./kilnd} with an environment of the test's choosing (no inherited OTEL_*), ended by its PID. */
    private record Daemon(Process process, StringBuffer log, Path socket) implements AutoCloseable {
        static Daemon start(Path state, Path run, Map<String, String> env) throws Exception {
            Path socket = run.resolve("kilnd.sock");
            ProcessBuilder pb = new ProcessBuilder(KilnRunner.repoRoot().resolve("kilnd").toString(), "--config", "/dev/null",
                    "--root", state.toString(), "--addr", "unix://" + socket, "--metrics-addr", "127.0.0.1:0")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().keySet().removeIf(k -> k.startsWith("OTEL_"));
            pb.environment().putAll(env);
            Daemon d = new Daemon(pb.start(), new StringBuffer(), socket);
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(d.process.getErrorStream(), StandardCharsets.UTF_8))) {
                    r.lines().forEach(l -> d.log.append(l).append('\n'));
                } catch (IOException | java.io.UncheckedIOException e) {
                    // the daemon ended
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!d.log.toString().contains("kilnd: ready")) {
                if (!d.process.isAlive() || System.nanoTime() > deadline) {
                    d.close();
                    throw new IllegalStateException("kilnd did not start:\n" + d.log);
                }
                Thread.sleep(100);
            }
            return d;
        }

        String address() {
            return "unix://" + socket;
        }

        /** Scrapes the metrics page until {@code done} holds for it (10 s at most); returns the last page. */
        String scrapeUntil(java.util.function.Predicate<String> done) throws Exception {
            Matcher m = METRICS.matcher(log.toString());
            assertThat(m.find()).as(log.toString()).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.group(1))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                if (done.test(r.body()) || System.nanoTime() > deadline) {
                    return r.body();
                }
                Thread.sleep(200);
            }
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
