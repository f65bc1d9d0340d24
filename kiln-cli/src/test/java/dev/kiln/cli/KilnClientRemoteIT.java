package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.client.KilnClient;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.dsl.FileActions;
import dev.kiln.llb.dsl.State;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KilnClient#connect}: a graph made with the dsl, solved by a real kilnd over its unix
 * socket, is tagged in the daemon's store and its progress reaches the callback; an
 * {@code image:tag} reference is resolved by the daemon (Resolve) to the digest the tag names,
 * and a run on it gets the image config's PATH and working directory.
 */
class KilnClientRemoteIT {
    @TempDir
    Path tmp;

    @Test
    void aDslGraphSolvedThroughKilndIsTaggedAndReportsProgress() throws Exception {
        Path sock = tmp.resolve("run/kilnd.sock");
        String tag = "remote-llb:" + UUID.randomUUID().toString().substring(0, 8);
        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilndProcess daemon = KilndProcess.start(List.of("--config", "/dev/null", "--root",
                tmp.resolve("state").toString(), "--addr", "unix://" + sock, "--metrics-addr", "127.0.0.1:0"))) {
            State s = State.scratch().dir("/etc").file(FileActions.mkfile("motd", 0644, "built remotely " + tag + "\n"));
            try (KilnClient client = KilnClient.connect("unix://" + sock)) {
                var result = client.solve(s, null, List.of(tag), events::add);
                assertThat(result.manifest().digest().toString()).startsWith("sha256:");
            }
        }
        // the daemon has let go of its state dir: list its store directly
        KilnRunner.Run images = new KilnRunner(tmp.resolve("state")).run("images");
        assertThat(images.exit()).as(images.all()).isZero();
        assertThat(images.stdout()).contains("remote-llb").contains(tag.substring(tag.indexOf(':') + 1));
        assertThat(events).anyMatch(e -> e instanceof ProgressEvent.Completed c && c.name().contains("mkfile /etc/motd")
                && c.error() == null);
    }

    @Test
    void aTaggedImageIsPinnedByKilndAndRunsGetItsPathAndWorkingDir() throws Exception {
        Path state = tmp.resolve("state");
        KilnRunner kiln = KilnRunner.withBusybox(tmp, state);
        Path ctx = Files.createDirectories(tmp.resolve("tooled"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox:latest
                ENV PATH=/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin
                WORKDIR /srv
                RUN mkdir -p /opt/tools && printf '#!/bin/sh\\necho tool ran in $PWD\\n' > /opt/tools/mytool \\
                    && chmod 755 /opt/tools/mytool
                """);
        Path meta = tmp.resolve("meta.json");
        KilnRunner.Run build = kiln.run("build", "-t", "tooled:1", "--metadata-file", meta.toString(), ctx.toString());
        assertThat(build.exit()).as(build.all()).isZero();
        String digest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.toFile())
                .get("containerimage.digest").asText();

        Path sock = tmp.resolve("run/kilnd.sock");
        List<ProgressEvent> events = Collections.synchronizedList(new ArrayList<>());
        try (KilndProcess daemon = KilndProcess.start(List.of("--config", "/dev/null", "--root", state.toString(),
                "--addr", "unix://" + sock, "--metrics-addr", "127.0.0.1:0"));
             KilnClient client = KilnClient.connect("unix://" + sock)) {
            var resolved = client.resolveImage("tooled:1", dev.kiln.common.Platform.host());
            assertThat(resolved.reference()).endsWith("tooled:1@" + digest);
            assertThat(resolved.config().env()).containsEntry("PATH", "/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin");
            assertThat(resolved.config().workingDir()).isEqualTo("/srv");
            assertThat(client.imageConfig("tooled:1").config().workingDir()).isEqualTo("/srv");

            State s = State.image("tooled:1").run("mytool | tee ran.txt; echo \"path=$PATH\"");
            var result = client.solve(s, null, List.of("tooled-run:1"), events::add);
            assertThat(result.manifest().digest().toString()).startsWith("sha256:");

            assertThatThrownBy(() -> client.resolveImage("no-such-image:1", dev.kiln.common.Platform.host()))
                    .hasMessageContaining("no-such-image");
        }
        StringBuilder logs = new StringBuilder();
        for (ProgressEvent e : events) {
            if (e instanceof ProgressEvent.Log l) {
                logs.append(new String(l.data(), StandardCharsets.UTF_8));
            }
        }
        assertThat(logs.toString()).contains("tool ran in /srv\n", "path=/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin\n");
        // the image written keeps the base's config
        Path archive = tmp.resolve("tooled-run.tar");
        KilnRunner.Run save = kiln.run("save", "tooled-run:1", "-o", archive.toString());
        assertThat(save.exit()).as(save.all()).isZero();
        var config = OciArchiveImage.read(archive).config().get("config");
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/srv");
        assertThat(config.get("Env").toString()).contains("PATH=/opt/tools:/bin:/usr/bin:/sbin:/usr/sbin");
    }

    @Test
    void kilndResolvesAPrivateImageWithTheClientsCredentialsOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kiln.testkit.registry.LabRegistry.available(),
                "docker-registry is not installed");
        Path state = tmp.resolve("state");
        KilnRunner kiln = KilnRunner.withBusybox(tmp, state);
        try (var tokens = dev.kiln.testkit.registry.LabRegistry.token().start()) {
            Path loggedIn = Files.createDirectories(tmp.resolve("client-docker-config"));
            String auth = java.util.Base64.getEncoder().encodeToString((dev.kiln.testkit.registry.LabRegistry.USERNAME
                    + ":" + dev.kiln.testkit.registry.LabRegistry.PASSWORD).getBytes(StandardCharsets.UTF_8));
            Files.writeString(loggedIn.resolve("config.json"), "{\"auths\":{\"" + tokens.host() + "\":{\"auth\":\""
                    + auth + "\"}}}");
            String ref = tokens.reference("private/tool:1");
            assertThat(kiln.run("tag", "busybox:latest", ref).exit()).isZero();
            KilnRunner.Run push = kiln.runWithEnv(loggedIn, List.of("push", ref));
            assertThat(push.exit()).as(push.all()).isZero();
            assertThat(kiln.run("rmi", ref).exit()).as("the daemon's store does not name the private image").isZero();

            Path daemonConfig = Files.createDirectories(tmp.resolve("daemon-docker-config"));
            Path sock = tmp.resolve("run/kilnd.sock");
            Path daemonErr = tmp.resolve("kilnd.err");
            ProcessBuilder pb = new ProcessBuilder(KilnRunner.repoRoot().resolve("kilnd").toString(), "--config",
                    "/dev/null", "--root", state.toString(), "--addr", "unix://" + sock)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(daemonErr.toFile());
            pb.environment().put("DOCKER_CONFIG", daemonConfig.toString());
            Process daemon = pb.start();
            try {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(daemonErr).contains("kilnd: ready")) {
                    if (!daemon.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("kilnd did not start:\n" + Files.readString(daemonErr));
                    }
                    Thread.sleep(100);
                }
                KilnRunner.Run ok = resolveInAClient(loggedIn, "unix://" + sock, ref);
                assertThat(ok.exit()).as(ok.all()).isZero();
                assertThat(ok.stdout()).contains("pinned " + ref + "@sha256:").contains("run: private-base-ok");

                Path anonymous = Files.createDirectories(tmp.resolve("anonymous-docker-config"));
                KilnRunner.Run denied = resolveInAClient(anonymous, "unix://" + sock, ref);
                assertThat(denied.exit()).as(denied.all()).isNotZero();
                assertThat(denied.stderr()).contains("private/tool");
            } finally {
                daemon.destroy();
                daemon.waitFor();
            }
            assertThat(Files.readString(daemonErr, StandardCharsets.ISO_8859_1))
                    .doesNotContain(dev.kiln.testkit.registry.LabRegistry.PASSWORD);
        }
    }

    /** Runs {@link ResolveAndRun} in a JVM of its own whose docker config is {@code dockerConfig}. */
    private static KilnRunner.Run resolveInAClient(Path dockerConfig, String addr, String ref) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), ResolveAndRun.class.getName(), addr, ref);
        pb.environment().put("DOCKER_CONFIG", dockerConfig.toString());
        pb.environment().remove("KILN_HOST");
        return KilnRunner.finish(pb.start());
    }

    /**
     * A client program: resolves {@code REF} through the kilnd at {@code ADDR} (its registry
     * credentials are this process's docker config) and runs a step on it, printing the pinned
     * reference and the step's output.
     */
    static final class ResolveAndRun {
        public static void main(String[] args) throws Exception {
            try (KilnClient client = KilnClient.connect(args[0])) {
                System.out.println("pinned " + client.resolveImage(args[1], dev.kiln.common.Platform.host()).reference());
                StringBuilder logs = new StringBuilder();
                client.solve(State.image(args[1]).run("echo private-base-ok"), null, List.of(), e -> {
                    if (e instanceof ProgressEvent.Log l) {
                        logs.append(new String(l.data(), StandardCharsets.UTF_8));
                    }
                });
                System.out.println("run: " + logs.toString().strip());
            }
        }
    }
}
