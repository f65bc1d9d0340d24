package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.testkit.registry.LabRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a kilnd build borrows from its client over the session, end to end with a real
 * {@code ./kilnd} and the real {@code ./kiln --addr} client: registry credentials (the daemon
 * has an empty docker config of its own; the client's login, against a registry with htpasswd
 * auth over TLS, is what lets it pull a private base image and push the result, and it is
 * never kept by the daemon nor written anywhere it owns), ssh agents (a real ssh-agent on the
 * client reached from {@code RUN --mount=type=ssh}) and {@code --check}, which runs on the client
 * with base images resolved by the daemon.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KilndSessionIT {
    @TempDir
    static Path tmp;
    Path state;
    Path sock;
    Path daemonOut;
    Path daemonErr;
    Process daemon;
    LabRegistry registry;
    Path trustedCa;
    String privateBase;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(LabRegistry.available(), "docker-registry is not installed");
        state = tmp.resolve("state");
        KilnRunner setup = KilnRunner.withBusybox(tmp, state);
        registry = LabRegistry.tlsBasic().start();
        // the daemon's engine trusts the lab CA through its default certs.d (kilnd has no flag for another one)
        trustedCa = Path.of("/etc/kiln/certs.d").resolve(registry.host()).resolve("ca.crt");
        Files.createDirectories(trustedCa.getParent());
        Files.copy(registry.caCert(), trustedCa, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // put a private base image in the registry, with credentials of the set-up's own
        Path setupConfig = Files.createDirectories(tmp.resolve("setup-docker-config"));
        List<String> certs = List.of("--registry-certs-dir", registry.certsDir().toString());
        privateBase = registry.reference("private/base:1");
        assertThat(setup.runWithEnv(setupConfig, RegistryCliIT.concat(certs, "login", "-u", LabRegistry.USERNAME, "-p",
                LabRegistry.PASSWORD, registry.host())).exit()).isZero();
        assertThat(setup.run("tag", "busybox:latest", privateBase).exit()).isZero();
        KilnRunner.Run push = setup.runWithEnv(setupConfig, RegistryCliIT.concat(certs, "push", privateBase));
        assertThat(push.exit()).as(push.all()).isZero();
        assertThat(setup.run("rmi", privateBase).exit()).as("the daemon's store does not name the private image").isZero();
        deleteTree(setupConfig);

        Path daemonConfig = Files.createDirectories(tmp.resolve("daemon-docker-config"));
        sock = tmp.resolve("run/kilnd.sock");
        daemonOut = tmp.resolve("kilnd.out");
        daemonErr = tmp.resolve("kilnd.err");
        ProcessBuilder pb = new ProcessBuilder(KilnRunner.repoRoot().resolve("kilnd").toString(), "--config", "/dev/null",
                "--root", state.toString(), "--addr", "unix://" + sock)
                .redirectOutput(daemonOut.toFile()).redirectError(daemonErr.toFile());
        pb.environment().put("DOCKER_CONFIG", daemonConfig.toString());
        pb.environment().remove("SSH_AUTH_SOCK");
        daemon = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(daemonErr).contains("kilnd: ready")) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("kilnd did not start:\n" + Files.readString(daemonErr));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            KilndProcess.signal(daemon.pid(), "TERM");
            if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        if (registry != null) {
            registry.close();
        }
        if (trustedCa != null) {
            Files.deleteIfExists(trustedCa);
            Files.deleteIfExists(trustedCa.getParent());
        }
    }

    /** {@code ./kiln --addr … ARGS} with the client's own docker config and extra environment. */
    KilnRunner.Run client(Path dockerConfig, Map<String, String> env, String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of("--addr", "unix://" + sock));
        a.addAll(List.of(args));
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("DOCKER_CONFIG", dockerConfig.toString());
        return KilndProcess.kiln(e, a);
    }

    @Test
    void theClientsRegistryLoginPullsAndPushesAndStaysOnTheClient() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("private-ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + privateBase + "\nRUN echo built-by-kilnd > /marker\n");
        String target = registry.reference("private/app:1");
        Path anonymous = Files.createDirectories(tmp.resolve("client-anonymous"));

        KilnRunner.Run denied = client(anonymous, Map.of(), "build", "--progress", "plain", "--push", "-t", target,
                ctx.toString());
        assertThat(denied.exit()).as(denied.all()).isNotZero();
        assertThat(denied.stderr()).contains("denied").contains(registry.host()).doesNotContain("built-by-kilnd");
        System.out.println("without client credentials: " + denied.stderr().lines()
                .filter(l -> l.contains("denied")).findFirst().orElse(""));

        Path loggedIn = Files.createDirectories(tmp.resolve("client-docker-config"));
        KilnRunner clientSide = new KilnRunner(tmp.resolve("client-state"));
        KilnRunner.Run login = clientSide.runWithEnv(loggedIn, List.of("--registry-certs-dir",
                registry.certsDir().toString(), "login", "-u", LabRegistry.USERNAME, "-p", LabRegistry.PASSWORD,
                registry.host()));
        assertThat(login.exit()).as(login.all()).isZero();
        String cache = registry.reference("private/cache:1");
        KilnRunner.Run ok = client(loggedIn, Map.of(), "build", "--progress", "plain", "--push", "-t", target,
                "--cache-to", "type=registry,ref=" + cache + ",mode=max", ctx.toString());
        assertThat(ok.exit()).as(ok.all()).isZero();
        assertThat(registry.storageDir().resolve("docker/registry/v2/repositories/private/cache/_manifests/tags/1"))
                .as("the cache export used the client's login").isDirectory();
        assertThat(ok.stderr()).contains("pushed " + target + "@sha256:").contains("RUN echo built-by-kilnd")
                .doesNotContain("CACHED");
        assertThat(registry.storageDir().resolve("docker/registry/v2/repositories/private/app/_manifests/tags/1"))
                .isDirectory();

        // the daemon kept neither the credentials nor the tokens of that session for the next one
        KilnRunner.Run again = client(anonymous, Map.of(), "build", "--progress", "plain", "--no-cache", "--push", "-t",
                target, ctx.toString());
        assertThat(again.exit()).as(again.all()).isNotZero();
        assertThat(again.stderr()).contains("denied");
        // a public base: the cache import is what the registry refuses without the client's login (a warning)
        Path publicBase = Files.createDirectories(tmp.resolve("public-base-ctx"));
        Files.writeString(publicBase.resolve("Dockerfile"), "FROM busybox\nRUN echo built-by-kilnd > /marker\n");
        KilnRunner.Run cacheDenied = client(anonymous, Map.of(), "build", "--progress", "plain",
                "--cache-from", "type=registry,ref=" + cache, publicBase.toString());
        assertThat(cacheDenied.exit()).as(cacheDenied.all()).isZero();
        assertThat(cacheDenied.stderr()).contains("cannot import cache from " + cache).contains("denied");

        assertThat(filesContaining(state, LabRegistry.PASSWORD)).as("password in the daemon's state dir").isEmpty();
        assertThat(Files.readString(daemonOut, StandardCharsets.ISO_8859_1)).doesNotContain(LabRegistry.PASSWORD);
        assertThat(Files.readString(daemonErr, StandardCharsets.ISO_8859_1)).doesNotContain(LabRegistry.PASSWORD);
        assertThat(ok.all() + denied.all() + again.all()).doesNotContain(LabRegistry.PASSWORD);
    }

    @Test
    void bearerTokensOfOneSessionNeverServeAnother() throws Exception {
        try (LabRegistry tokens = LabRegistry.token().start()) {
            Path loggedIn = Files.createDirectories(tmp.resolve("token-client-config"));
            String auth = java.util.Base64.getEncoder().encodeToString((LabRegistry.USERNAME + ":" + LabRegistry.PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
            Files.writeString(loggedIn.resolve("config.json"), "{\"auths\":{\"" + tokens.host() + "\":{\"auth\":\""
                    + auth + "\"}}}");
            Path ctx = Files.createDirectories(tmp.resolve("token-ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo token-session > /marker\n");
            int before = tokens.tokenRequestCount();
            KilnRunner.Run first = client(loggedIn, Map.of(), "build", "--progress", "plain", "--push", "-t",
                    tokens.reference("private/app:1"), ctx.toString());
            assertThat(first.exit()).as(first.all()).isZero();
            int afterFirst = tokens.tokenRequestCount();
            assertThat(afterFirst).as("the first session asked for a token").isGreaterThan(before);
            KilnRunner.Run second = client(loggedIn, Map.of(), "build", "--progress", "plain", "--push", "-t",
                    tokens.reference("private/app:2"), ctx.toString());
            assertThat(second.exit()).as(second.all()).isZero();
            assertThat(tokens.tokenRequestCount()).as("the next session gets tokens of its own").isGreaterThan(afterFirst);

            Path anonymous = Files.createDirectories(tmp.resolve("token-anonymous-config"));
            KilnRunner.Run denied = client(anonymous, Map.of(), "build", "--progress", "plain", "--push", "-t",
                    tokens.reference("private/app:3"), ctx.toString());
            assertThat(denied.exit()).as(denied.all()).isNotZero();
            assertThat(denied.stderr()).contains("denied");
        }
    }

    @Test
    void sshAgentsOfTheClientAreReachableFromRunThroughTheDaemon() throws Exception {
        assumeTrue(BuildIT.onPath("ssh-agent") && BuildIT.onPath("ssh-add") && BuildIT.onPath("ssh-keygen"),
                "openssh-client is not installed");
        Path key = tmp.resolve("id_session");
        assertThat(BuildIT.exec(null, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kilnd-session-key",
                "-f", key.toString()).exit()).isZero();
        String fingerprint = BuildIT.exec(null, "ssh-keygen", "-lf", key + ".pub").stdout().split(" ")[1];
        Path agentSock = tmp.resolve("client-agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", agentSock.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            for (int i = 0; i < 250 && !Files.exists(agentSock); i++) {
                Thread.sleep(20);
            }
            ProcessBuilder add = new ProcessBuilder("ssh-add", key.toString());
            add.environment().put("SSH_AUTH_SOCK", agentSock.toString());
            assertThat(KilnRunner.finish(add.start()).exit()).isZero();
            Path ctx = Files.createDirectories(tmp.resolve("ssh-ctx"));
            Files.writeString(ctx.resolve("Dockerfile"), """
                    FROM busybox
                    COPY sshroot/ /
                    RUN --mount=type=ssh,required=true ssh-add -l
                    RUN --mount=type=ssh,id=deploy,required=true ssh-add -l && echo deploy-agent-ok
                    RUN --mount=type=ssh,id=bysocket,required=true ssh-add -l
                    """);
            RunMountsIT.copySshAdd(ctx.resolve("sshroot"));
            List<Path> relaysBefore = relayDirs();
            Path config = Files.createDirectories(tmp.resolve("ssh-docker-config"));
            KilnRunner.Run r = client(config, Map.of("SSH_AUTH_SOCK", agentSock.toString()), "build", "--progress",
                    "plain", "--no-cache", "--ssh", "default", "--ssh", "deploy=" + key, "--ssh", "bysocket=" + agentSock,
                    ctx.toString());
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(r.stderr().lines().filter(l -> l.contains(fingerprint) && l.contains("kilnd-session-key")).count())
                    .as(r.all()).isEqualTo(3);
            assertThat(r.stderr()).contains("deploy-agent-ok");
            assertThat(relayDirs()).as("the daemon's relay sockets are removed").isEqualTo(relaysBefore);
            assertThat(filesContaining(state, Files.readString(key).lines().skip(1).findFirst().orElseThrow()))
                    .as("no key material in the daemon's state dir").isEmpty();

            KilnRunner.Run none = client(config, Map.of(), "build", "--progress", "plain", "--no-cache", ctx.toString());
            assertThat(none.exit()).isNotZero();
            assertThat(none.stderr()).contains("no SSH agent \"default\"");
        } finally {
            agent.destroy();
            agent.waitFor();
        }
    }

    @Test
    void checkRunsOnTheClientWithTheDaemonlessOutputAndExitCode() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("check-ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch AS Build\nENV greeting hello\n");
        KilnRunner.Run daemonless = new KilnRunner(tmp.resolve("check-state")).run("build", "--check", ctx.toString());
        assertThat(daemonless.exit()).as(daemonless.all()).isEqualTo(1);
        assertThat(daemonless.stderr()).contains("LegacyKeyValueFormat").contains("warnings have been found");

        Path config = Files.createDirectories(tmp.resolve("check-docker-config"));
        KilnRunner.Run remote = client(config, Map.of(), "build", "--check", ctx.toString());
        assertThat(remote.exit()).isEqualTo(daemonless.exit());
        assertThat(remote.stderr()).isEqualTo(daemonless.stderr());
        assertThat(remote.stdout()).isEqualTo(daemonless.stdout());

        // no daemon round trip: it works with no daemon at that address
        KilnRunner.Run nowhere = KilndProcess.kiln(Map.of("DOCKER_CONFIG", config.toString()), List.of("--addr",
                "unix://" + tmp.resolve("nobody-listens.sock"), "build", "--check", ctx.toString()));
        assertThat(nowhere.exit()).isEqualTo(1);
        assertThat(nowhere.stderr()).isEqualTo(daemonless.stderr());

        Files.writeString(ctx.resolve("Dockerfile"), "FROM scratch\nENV greeting=hello\n");
        KilnRunner.Run clean = client(config, Map.of(), "build", "--check", ctx.toString());
        assertThat(clean.exit()).as(clean.all()).isZero();
        assertThat(clean.stderr()).contains("Check complete, no warnings found.");

        // base images come from the daemon (its Resolve call): a variable the base image's ENV defines is defined
        Path base = Files.createDirectories(tmp.resolve("check-base"));
        Files.writeString(base.resolve("Dockerfile"), "FROM scratch\nENV GREETING=hello\n");
        KilnRunner.Run built = client(config, Map.of(), "build", "-t", "check-envbase:1", base.toString());
        assertThat(built.exit()).as(built.all()).isZero();
        Files.writeString(ctx.resolve("Dockerfile"), "FROM check-envbase:1\nENV OTHER=$GREETING\n");
        KilnRunner.Run resolved = client(config, Map.of(), "build", "--check", ctx.toString());
        assertThat(resolved.exit()).as(resolved.all()).isZero();
        assertThat(resolved.stderr()).doesNotContain("UndefinedVar").contains("Check complete, no warnings found.");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM check-envbase:1\nENV OTHER=$NOT_IN_THE_BASE\n");
        KilnRunner.Run undefined = client(config, Map.of(), "build", "--check", ctx.toString());
        assertThat(undefined.exit()).as(undefined.all()).isEqualTo(1);
        assertThat(undefined.stderr()).contains("UndefinedVar");
        // -o …,dest=- through kilnd writes to the client's stdout: KilndOutputsIT
    }

    private static List<Path> relayDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("kilnd-ssh-")).sorted().toList();
        }
    }

    /** Regular files under {@code root} whose bytes contain {@code needle}. */
    static List<Path> filesContaining(Path root, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                try {
                    if (Files.size(p) < 64_000_000 && indexOf(Files.readAllBytes(p), n) >= 0) {
                        hits.add(p);
                    }
                } catch (IOException gone) {
                    // a file removed while walking
                }
            }
        }
        return hits;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
