package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testkit.registry.LabRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * kilnd.toml end to end: a real kilnd whose config file sets a registry mirror, RUN cgroup
 * limits and a small GC cap, driven by the real {@code ./kiln --addr}. The base image lives only
 * on the mirror (a lab registry); the registry it is named after is an access-logged registry
 * that does not have it, so its log shows whether it was asked. Then a daemon with an age-based
 * policy on a timer collects records while idle. Daemonless, {@code KILN_REGISTRY_MIRRORS} and
 * {@code KILN_RUN_*} do the same for the CLI's engine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KilndConfigIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    LabRegistry mirror;
    AccessLoggedRegistry upstream;
    Path state;
    Path sock;
    KilndProcess daemon;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(LabRegistry.available(), "docker-registry is not installed");
        KilnRunner setup = KilnRunner.withBusybox(tmp, tmp.resolve("setup-state"));
        mirror = LabRegistry.plain().start();
        upstream = AccessLoggedRegistry.start(tmp.resolve("upstream"));
        String onMirror = mirror.reference("library/busybox:1");
        assertThat(setup.run("tag", "busybox:latest", onMirror).exit()).isZero();
        KilnRunner.Run push = setup.run("push", onMirror);
        assertThat(push.exit()).as(push.all()).isZero();
        state = tmp.resolve("state");
        sock = tmp.resolve("run/kilnd.sock");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (mirror != null) {
            mirror.close();
        }
    }

    private void startDaemon(String toml) throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        Path config = tmp.resolve("kilnd-" + System.nanoTime() + ".toml");
        Files.writeString(config, toml);
        daemon = KilndProcess.start(List.of("--config", config.toString(), "--root", state.toString(),
                "--addr", "unix://" + sock));
    }

    private KilnRunner.Run kiln(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--addr", "unix://" + sock));
        a.addAll(List.of(args));
        return KilndProcess.kiln(Map.of(), a);
    }

    private Path context(String name, String dockerfile) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve(name));
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return ctx;
    }

    /** Reclaimable bytes of the engine's records (the daemon's context copies are not the GC's). */
    private long reclaimable() throws Exception {
        KilnRunner.Run du = kiln("du", "--format", "json");
        assertThat(du.exit()).as(du.all()).isZero();
        long sum = 0;
        for (JsonNode r : JSON.readTree(du.stdout())) {
            boolean engineRecord = !r.get("type").asText().equals("context");
            sum += engineRecord && r.get("reclaimable").asBoolean() ? r.get("size").asLong() : 0;
        }
        return sum;
    }

    @Test
    @Order(1)
    void theConfigsMirrorLimitsAndGcCapApplyToBuilds() throws Exception {
        startDaemon("[gc]\nkeep_storage = \"1MB\"\ninterval = \"0\"\n"
                + "[worker]\nmemory = \"96MB\"\npids_limit = 64\n"
                + "[registry.\"" + upstream.host() + "\"]\nmirrors = [\"http://" + mirror.host() + "\"]\n");
        assertThat(daemon.log()).contains("keep_storage=1.05MB", "RUN limits: memory=96.0MiB pids=64",
                "registry settings for " + upstream.host());

        Path ctx = context("limits", "FROM " + upstream.reference("library/busybox:1") + "\n"
                + "RUN echo \"pids=$(cat /sys/fs/cgroup/pids/pids.max) mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)\"\n"
                + "RUN dd if=/dev/zero of=/big bs=1M count=3 2>/dev/null\n");
        KilnRunner.Run build = kiln("build", "--progress", "plain", "-t", "limits:1", ctx.toString());
        assertThat(build.exit()).as(build.all()).isZero();
        assertThat(build.stderr()).contains("pids=64 mem=" + (96L << 20));
        assertThat(upstream.requests()).as("the registry the image is named after was never asked for it")
                .noneMatch(r -> r.path().contains("/library/busybox/"));

        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + upstream.reference("library/busybox:1") + "\n"
                + "ARG X\nRUN dd if=/dev/zero of=/big$X bs=1M count=3 2>/dev/null\n");
        KilnRunner.Run second = kiln("build", "--build-arg", "X=2", ctx.toString());
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(reclaimable()).as("the GC after the build brought reclaimable records under the 1MB cap")
                .isLessThanOrEqualTo(1 << 20);
    }

    @Test
    @Order(2)
    void aTimerCollectsRecordsOlderThanKeepDurationWhileIdle() throws Exception {
        startDaemon("[gc]\nkeep_duration = \"2s\"\ninterval = \"1s\"\n"
                + "[registry.\"" + upstream.host() + "\"]\nmirrors = [\"http://" + mirror.host() + "\"]\n");
        Path ctx = context("aging", "FROM " + upstream.reference("library/busybox:1") + "\n"
                + "RUN dd if=/dev/zero of=/aged bs=1M count=2 2>/dev/null\n");
        KilnRunner.Run build = kiln("build", "-t", "aging:1", ctx.toString());
        assertThat(build.exit()).as(build.all()).isZero();
        daemon.awaitLog(l -> l.contains("garbage collection removed"), 30);
        long deadline = System.nanoTime() + 20_000_000_000L;
        long left = reclaimable();
        while (left > 0 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            left = reclaimable();
        }
        assertThat(left).as("every reclaimable record is older than 2s after a while").isZero();
        KilnRunner.Run again = kiln("build", "-t", "aging:2", ctx.toString());
        assertThat(again.exit()).as("the state after timed collections builds again: " + again.all()).isZero();
    }

    @Test
    @Order(3)
    void daemonlessTheEnvironmentSetsMirrorsAndRunLimits() throws Exception {
        Path ctx = context("daemonless", "FROM " + upstream.reference("library/busybox:1") + "\n"
                + "RUN echo \"pids=$(cat /sys/fs/cgroup/pids/pids.max)\"\n");
        KilnRunner.Run build = KilndProcess.kiln(Map.of("KILN_REGISTRY_MIRRORS", upstream.host() + "=http://" + mirror.host(),
                "KILN_RUN_PIDS_LIMIT", "33"), List.of("--root", tmp.resolve("daemonless-state").toString(), "build",
                "--progress", "plain", ctx.toString()));
        assertThat(build.exit()).as(build.all()).isZero();
        assertThat(build.stderr()).contains("pids=33");
        assertThat(upstream.requests()).noneMatch(r -> r.path().contains("/library/busybox/"));
    }
}
