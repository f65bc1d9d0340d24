package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.daemon.ByteSizes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * kilnd end to end: a real daemon on a temp unix socket and state dir, driven by the real
 * {@code ./kiln --addr} client. Same image as daemonless, incremental context upload, history,
 * Ctrl-C and a vanished client cancelling the build in the daemon, concurrent builds, and
 * the daemon's own lifecycle (SIGKILL then restart, SIGTERM draining a running build).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KilndIT {
    private static final Pattern TRANSFER = Pattern.compile("transferring context: (\\S+) done");
    @TempDir
    static Path tmp;
    Path state;
    Path sock;
    KilndProcess daemon;
    final List<Process> clients = new ArrayList<>();

    @BeforeAll
    void startDaemon() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        assumeTrue(BuildIT.onPath("runc"), "runc is not installed");
        state = tmp.resolve("state");
        new KilnRunner(state).buildBusybox(tmp);
        sock = tmp.resolve("run/kilnd.sock");
        daemon = startKilnd();
    }

    KilndProcess startKilnd() throws Exception {
        return KilndProcess.start(List.of("--config", "/dev/null", "--root", state.toString(), "--addr", "unix://" + sock,
                "--shutdown-grace", "30", "--metrics-addr", "127.0.0.1:0"));
    }

    @org.junit.jupiter.api.AfterEach
    void endClients() {
        clients.forEach(Process::destroyForcibly);
        clients.clear();
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    KilnRunner.Run kiln(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--addr", "unix://" + sock));
        a.addAll(List.of(args));
        return KilndProcess.kiln(Map.of(), a);
    }

    Path context(String name, String dockerfile) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve(name));
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return ctx;
    }

    static long transferred(KilnRunner.Run r) {
        Matcher m = TRANSFER.matcher(r.stderr());
        assertThat(m.find()).as(r.all()).isTrue();
        return ByteSizes.parse(m.group(1));
    }

    @Test
    @Order(1)
    void theSameBuildGivesTheSameImageThroughTheDaemonAsDaemonlessAndKilnHostSelectsTheDaemon() throws Exception {
        Path ctx = context("same", "FROM scratch\nCOPY hello.txt /hello.txt\nCOPY sub/ /sub/\n");
        Files.writeString(ctx.resolve("hello.txt"), "hello " + UUID.randomUUID() + "\n");
        Files.writeString(Files.createDirectories(ctx.resolve("sub")).resolve("x"), "x");
        Files.setPosixFilePermissions(ctx.resolve("sub/x"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        List<String> build = List.of("build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", "-t", "same:1", ctx.toString());
        KilnRunner.Run remote = KilndProcess.kiln(Map.of("KILN_HOST", "unix://" + sock), build);
        assertThat(remote.exit()).as(remote.all()).isZero();
        List<String> local = new ArrayList<>(List.of("--root", tmp.resolve("daemonless-state").toString()));
        local.addAll(build);
        KilnRunner.Run direct = KilndProcess.kiln(Map.of(), local);
        assertThat(direct.exit()).as(direct.all()).isZero();
        assertThat(remote.stdout().strip()).startsWith("sha256:").isEqualTo(direct.stdout().strip());
        KilnRunner.Run hist = kiln("history", "-n", "5");
        assertThat(hist.exit()).as(hist.all()).isZero();
        assertThat(hist.stdout()).contains("completed").contains(remote.stdout().strip());
    }

    @Test
    @Order(2)
    void aSecondBuildAfterOneFileChangedTransfersAboutThatFile() throws Exception {
        Path ctx = context("incremental", "FROM scratch\nCOPY . /ctx/\n");
        Random rnd = new Random(7);
        long expected = Files.size(ctx.resolve("Dockerfile"));
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[100_000];
            rnd.nextBytes(b);
            Files.write(Files.createDirectories(ctx.resolve("d" + i % 4)).resolve("f" + i), b);
            expected += b.length;
        }
        byte[] ignored = new byte[3_000_000];
        Files.write(ctx.resolve("big.ignored"), ignored);
        Files.writeString(ctx.resolve(".dockerignore"), "*.ignored\n");
        expected += Files.size(ctx.resolve(".dockerignore"));
        KilnRunner.Run first = kiln("build", "--progress", "plain", ctx.toString());
        assertThat(first.exit()).as(first.all()).isZero();
        assertThat((double) transferred(first)).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(1));

        byte[] changed = new byte[150_000];
        rnd.nextBytes(changed);
        Files.write(ctx.resolve("d2/f6"), changed);
        KilnRunner.Run second = kiln("build", "--progress", "plain", ctx.toString());
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat((double) transferred(second)).isCloseTo(150_000, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(second.stderr()).doesNotContain("COPY . /ctx/\n#3 CACHED");

        KilnRunner.Run third = kiln("build", "--progress", "plain", ctx.toString());
        assertThat(third.exit()).as(third.all()).isZero();
        assertThat(transferred(third)).isZero();
        assertThat(third.stderr()).contains("CACHED");
    }

    @Test
    @Order(3)
    void concurrentBuildsAllSucceed() throws Exception {
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path ctx = context("conc" + i, "FROM busybox\nRUN echo " + UUID.randomUUID() + " > /id\n");
            ps.add(KilndProcess.startKiln(Map.of(), List.of("--addr", "unix://" + sock, "build", "--progress", "plain",
                    ctx.toString())));
        }
        for (Process p : ps) {
            KilnRunner.Run r = KilnRunner.finish(p);
            assertThat(r.exit()).as(r.all()).isZero();
        }
    }

    @Test
    @Order(4)
    void aFailingStepFailsTheClientWithTheStepsError() throws Exception {
        Path ctx = context("fails", "FROM busybox\nRUN echo about to fail; exit 3\n");
        KilnRunner.Run r = kiln("build", "--progress", "plain", ctx.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("about to fail").contains("ERROR");
        KilnRunner.Run hist = kiln("history", "-n", "1");
        assertThat(hist.stdout()).contains("failed");
    }

    @Test
    @Order(4)
    void secretsComeFromTheClientOnlyForTheBuildAndEntitlementsNeedTheDaemonsConsent() throws Exception {
        String value = "s3cret-" + UUID.randomUUID();
        Path secret = Files.writeString(tmp.resolve("token.txt"), value);
        Path ctx = context("secret", "FROM busybox\nRUN --mount=type=secret,id=tok wc -c < /run/secrets/tok && echo got-it\n");
        KilnRunner.Run r = kiln("build", "--progress", "plain", "--no-cache", "--secret", "id=tok,src=" + secret, ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.stderr()).containsPattern("#\\d+ [0-9.]+ " + value.length() + "\n").contains("got-it");
        KilnRunner.Run grep = BuildIT.exec(null, "grep", "-rlF", value, state.toString());
        assertThat(grep.stdout()).as("files in the daemon's state holding the secret").isEmpty();

        Path net = context("entitled", "FROM busybox\nRUN --network=host true\n");
        KilnRunner.Run refused = kiln("build", "--progress", "plain", "--allow", "network.host", net.toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.stderr()).contains("entitlement network.host is not allowed by this daemon");
    }

    @Test
    @Order(5)
    void aRawLlbDefinitionFromJavaGivesTheImageItsDockerfileGives() throws Exception {
        String dockerfile = "FROM scratch\nCOPY f /f\n";
        Path ctx = context("llb", dockerfile);
        Files.writeString(ctx.resolve("f"), "llb " + UUID.randomUUID() + "\n");
        java.time.Instant sde = java.time.Instant.ofEpochSecond(1_700_000_000L);
        var platform = dev.kiln.common.Platform.host();
        var converted = dev.kiln.dockerfile.convert.DockerfileConverter.convert(new dev.kiln.dockerfile.convert.ConvertRequest(
                "Dockerfile", dockerfile, Map.of(), java.util.Optional.empty(), platform, List.of(), Map.of(), false,
                java.util.Set.of(), sde), new dev.kiln.dockerfile.convert.ImageMetaResolver() {
                    @Override
                    public BaseImage resolveImage(String reference, dev.kiln.common.Platform p) {
                        throw new AssertionError("no base image expected: " + reference);
                    }

                    @Override
                    public BaseImage resolveNamedContext(String name, String value, dev.kiln.common.Platform p) {
                        throw new AssertionError("no named context expected: " + name);
                    }
                });
        var target = dev.kiln.client.remote.DaemonTarget.resolve("unix://" + sock, null, null, null);
        List<dev.kiln.common.progress.ProgressEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
        var result = dev.kiln.client.remote.RemoteBuild.solve(target, converted.definition(), converted.config(), ctx,
                List.of(dev.kiln.oci.ImageReference.parse("llb:1")), List.of(), platform, java.util.Optional.of(sde), events::add);
        assertThat(events).anyMatch(e -> e instanceof dev.kiln.common.progress.ProgressEvent.Status st
                && st.message().startsWith("transferring context:"));
        KilnRunner.Run viaDockerfile = kiln("build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
        assertThat(viaDockerfile.exit()).as(viaDockerfile.all()).isZero();
        assertThat(result.manifest().digest()).isEqualTo(viaDockerfile.stdout().strip());
    }

    /** A client that prints as it goes, so a test can act once the RUN step runs. */
    record Running(Process process, StringBuffer err) {
        void awaitErr(String text, int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!err.toString().contains(text)) {
                assertThat(System.nanoTime()).as("waiting for \"" + text + "\" in:\n" + err).isLessThan(deadline);
                assertThat(process.isAlive()).as("client ended early:\n" + err).isTrue();
                Thread.sleep(100);
            }
        }
    }

    Running startSleepyBuild(String name, int seconds) throws Exception {
        String marker = "start-" + UUID.randomUUID();
        Path ctx = context(name, "FROM busybox\nRUN echo " + marker + "; sleep " + seconds + "; echo end\n");
        Process p = KilndProcess.startKiln(Map.of(), List.of("--addr", "unix://" + sock, "build", "--progress", "plain",
                ctx.toString()));
        StringBuffer err = new StringBuffer();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    err.append(line).append('\n');
                }
            } catch (IOException e) {
                // ended
            }
        });
        Running run = new Running(p, err);
        clients.add(p);
        // the step's output line, not its name: the container runs
        run.awaitErr(" " + marker + "\n", 60);
        return run;
    }

    List<String> containers() throws Exception {
        KilnRunner.Run r = BuildIT.exec(null, "runc", "--root", state.resolve("runc/runtime").toString(), "list", "-q");
        return r.stdout().lines().filter(l -> !l.isBlank()).toList();
    }

    void awaitNoContainersAndCancelled() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            KilnRunner.Run hist = kiln("history", "-n", "1");
            if (containers().isEmpty() && hist.stdout().contains("cancelled")) {
                return;
            }
            assertThat(System.nanoTime()).as("containers " + containers() + ", history:\n" + hist.all()).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    @Test
    @Order(6)
    void ctrlCOnTheClientCancelsTheBuildInTheDaemon() throws Exception {
        Running run = startSleepyBuild("ctrlc", 120);
        assertThat(containers()).hasSize(1);
        KilndProcess.signal(run.process().pid(), "INT");
        assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).as(run.err().toString()).isTrue();
        assertThat(run.process().exitValue()).as(run.err().toString()).isEqualTo(130);
        awaitNoContainersAndCancelled();
    }

    @Test
    @Order(7)
    void aClientThatVanishesHasItsBuildCancelled() throws Exception {
        Running run = startSleepyBuild("vanish", 120);
        KilndProcess.signal(run.process().pid(), "KILL");
        run.process().waitFor(10, TimeUnit.SECONDS);
        awaitNoContainersAndCancelled();
        assertThat(daemon.process.isAlive()).isTrue();
    }

    @Test
    @Order(8)
    void prometheusMetricsCountWhatTheBuildsDid() throws Exception {
        Matcher m = Pattern.compile("metrics on (http://\\S+)").matcher(daemon.log());
        assertThat(m.find()).as(daemon.log()).isTrue();
        var http = java.net.http.HttpClient.newHttpClient();
        var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(1))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(200);
        String body = resp.body();
        assertThat(metric(body, "kilnd_builds_total{status=\"completed\"}")).isGreaterThanOrEqualTo(5);
        assertThat(metric(body, "kilnd_builds_total{status=\"failed\"}")).isGreaterThanOrEqualTo(1);
        assertThat(metric(body, "kilnd_builds_total{status=\"cancelled\"}")).isGreaterThanOrEqualTo(2);
        assertThat(metric(body, "kilnd_context_bytes_transferred_total")).isGreaterThan(4_000_000);
        assertThat(metric(body, "kilnd_steps_cached_total")).isPositive();
        assertThat(metric(body, "kilnd_steps_run_total")).isPositive();
        assertThat(metric(body, "kilnd_builds_running")).isZero();
    }

    @Test
    @Order(9)
    void duAndPruneAskTheDaemon() throws Exception {
        KilnRunner.Run du = kiln("du", "--format", "json");
        assertThat(du.exit()).as(du.all()).isZero();
        var records = new com.fasterxml.jackson.databind.ObjectMapper().readTree(du.stdout());
        assertThat(records.isArray()).isTrue();
        assertThat(records.size()).isPositive();
        java.util.Set<String> types = new java.util.HashSet<>();
        records.forEach(r -> types.add(r.get("type").asText()));
        assertThat(types).contains("snapshot", "content");
        KilnRunner.Run prune = kiln("prune");
        assertThat(prune.exit()).as(prune.all()).isZero();
        assertThat(prune.stdout()).contains("Total:");
    }

    static double metric(String body, String name) {
        return body.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " not in:\n" + body));
    }

    @Test
    @Order(10)
    void afterSigkillMidBuildARestartedDaemonBuildsAgain() throws Exception {
        Running run = startSleepyBuild("sigkill", 120);
        daemon.signal("KILL");
        assertThat(daemon.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).isNotZero();
        assertThat(run.err().toString()).contains("kilnd");
        daemon = startKilnd();
        assertThat(containers()).isEmpty();
        Path ctx = context("after-kill", "FROM busybox\nRUN echo " + UUID.randomUUID() + " > /x\n");
        KilnRunner.Run r = kiln("build", "--progress", "plain", ctx.toString());
        assertThat(r.exit()).as(r.all() + daemon.log()).isZero();
    }

    @Test
    @Order(11)
    void sigtermLetsARunningBuildFinishThenTheDaemonExitsCleanly() throws Exception {
        Running run = startSleepyBuild("drain", 4);
        daemon.signal("TERM");
        assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.process().exitValue()).as(run.err() + daemon.log()).isZero();
        assertThat(run.err().toString()).contains("end");
        assertThat(daemon.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(daemon.process.exitValue()).as(daemon.log()).isZero();
        assertThat(daemon.log()).contains("draining 1 running build").contains("kilnd: stopped");
        assertThat(sock).doesNotExist();
    }
}
