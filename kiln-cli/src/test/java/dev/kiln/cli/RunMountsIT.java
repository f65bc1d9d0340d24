package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RUN --mount} secrets, ssh, bind, tmpfs and cache, {@code RUN --network}, the entitlements
 * and the sandbox, through the real launcher with real runc over the offline busybox base.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunMountsIT {
    @TempDir
    static Path tmp;
    Path state;
    KilnRunner kiln;

    @BeforeAll
    void buildBase() throws Exception {
        state = tmp.resolve("state");
        kiln = KilnRunner.withBusybox(tmp, state);
    }

    /** Runs the launcher with extra environment variables. */
    KilnRunner.Run kilnWithEnv(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(KilnRunner.repoRoot().resolve("kiln").toString(), "--root", state.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KILN_ROOT");
        pb.environment().putAll(env);
        return KilnRunner.finish(pb.start());
    }

    Path context(String name, String dockerfile) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve(name));
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return ctx;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void secretsReachTheStepAndNothingElse() throws Exception {
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String fileSecret = "kilnsecret" + HexFormat.of().formatHex(raw);
        new SecureRandom().nextBytes(raw);
        String envSecret = "kilnenvsecret" + HexFormat.of().formatHex(raw);
        Path secretFile = tmp.resolve("secret.txt");
        Files.writeString(secretFile, fileSecret);
        Path ctx = context("secrets", """
                FROM busybox
                RUN --mount=type=secret,id=tok test "$(sha256sum /run/secrets/tok | cut -d' ' -f1)" = %s \\
                    && test "$(stat -c '%%a %%u %%g' /run/secrets/tok)" = "400 0 0" && echo file-ok > /file-ok
                RUN --mount=type=secret,id=envtok,env=TOKEN,target=/etc/app/tok,mode=0440,uid=1000,gid=1000 \\
                    test "$(printf %%s "$TOKEN" | sha256sum | cut -d' ' -f1)" = %s \\
                    && test "$(stat -c '%%a %%u %%g' /etc/app/tok)" = "440 1000 1000" && echo env-ok > /env-ok
                RUN --mount=type=secret,id=absent echo optional by default > /optional-ok
                """.formatted(sha256(fileSecret), sha256(envSecret)));
        Path oci = tmp.resolve("secrets.tar");
        KilnRunner.Run r = kilnWithEnv(Map.of("KILN_IT_SECRET", envSecret), "build", "--progress", "plain",
                "--secret", "id=tok,src=" + secretFile, "--secret", "id=envtok,env=KILN_IT_SECRET",
                "-t", "secrets:it", "-o", "type=oci,dest=" + oci, ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.all()).doesNotContain(fileSecret).doesNotContain(envSecret);

        Path layout = Files.createDirectories(tmp.resolve("secrets-layout"));
        assertThat(BuildIT.exec(layout, "tar", "-xf", oci.toString()).exit()).isZero();
        List<Path> blobs;
        try (var s = Files.list(layout.resolve("blobs/sha256"))) {
            blobs = s.toList();
        }
        List<String> entries = new ArrayList<>();
        for (Path blob : blobs) {
            byte[] content = decompressed(blob);
            assertThat(contains(content, fileSecret) || contains(content, envSecret)).as("blob " + blob).isFalse();
            entries.addAll(tarEntries(content));
        }
        assertThat(entries).contains("file-ok", "env-ok", "optional-ok");
        assertThat(entries).noneMatch(e -> e.startsWith("run") || e.startsWith("etc/app"));
        assertNotInTree(state, fileSecret, envSecret);
        assertThat(BuildIT.exec(null, "sh", "-c", "grep -c " + state + " /proc/self/mountinfo").stdout().strip())
                .as("no mount left under the state dir").isEqualTo("0");
    }

    @Test
    void aMissingRequiredSecretFailsClearly() throws Exception {
        Path ctx = context("secret-missing", "FROM busybox\nRUN --mount=type=secret,id=needed,required=true cat /run/secrets/needed\n");
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("secret \"needed\" not provided").contains("--secret id=needed");
    }

    @Test
    void sshAgentsAreReachableFromRunAsRootAndAsTheUserTheMountNames() throws Exception {
        assumeTrue(BuildIT.onPath("ssh-agent") && BuildIT.onPath("ssh-add") && BuildIT.onPath("ssh-keygen"),
                "openssh-client is not installed");
        Path key = tmp.resolve("id_it");
        assertThat(BuildIT.exec(null, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kiln-it-key",
                "-f", key.toString()).exit()).isZero();
        String fingerprint = BuildIT.exec(null, "ssh-keygen", "-lf", key + ".pub").stdout().split(" ")[1];
        Path ctx = context("ssh", """
                FROM busybox
                COPY sshroot/ /
                RUN --mount=type=ssh ssh-add -l > /keys-root
                USER app
                RUN --mount=type=ssh,id=deploy,target=/home/app/agent.sock,uid=1000,mode=0600 \\
                    SSH_AUTH_SOCK=/home/app/agent.sock ssh-add -l > /home/app/keys-app
                RUN --mount=type=ssh,id=absent echo optional ssh ok
                USER root
                RUN cat /keys-root /home/app/keys-app && test ! -e /run/buildkit && test ! -e /home/app/agent.sock
                """);
        copySshAdd(ctx.resolve("sshroot"));
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", "--no-cache", "--ssh", "default=" + key,
                "--ssh", "deploy=" + key, ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.stderr().lines().filter(l -> l.contains(fingerprint) && l.contains("kiln-it-key")).count())
                .as(r.all()).isEqualTo(2);
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("ssh-agent") && c.contains("kiln-ssh-")).toList())
                .as("the build's agents are stopped").isEmpty();

        // --ssh default takes the caller's SSH_AUTH_SOCK
        Path sock = tmp.resolve("agent-default.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            for (int i = 0; i < 200 && !Files.exists(sock); i++) {
                Thread.sleep(20);
            }
            ProcessBuilder add = new ProcessBuilder("ssh-add", key.toString());
            add.environment().put("SSH_AUTH_SOCK", sock.toString());
            assertThat(KilnRunner.finish(add.start()).exit()).isZero();
            Path ctx2 = context("ssh-default", "FROM busybox\nCOPY sshroot/ /\nRUN --mount=type=ssh,required=true ssh-add -l\n");
            copySshAdd(ctx2.resolve("sshroot"));
            KilnRunner.Run d = kilnWithEnv(Map.of("SSH_AUTH_SOCK", sock.toString()), "build", "--progress", "plain",
                    "--ssh", "default", ctx2.toString());
            assertThat(d.exit()).as(d.all()).isZero();
            assertThat(d.stderr()).contains(fingerprint);
            KilnRunner.Run missing = kiln.run("build", "--progress", "plain", "--no-cache", ctx2.toString());
            assertThat(missing.exit()).isNotZero();
            assertThat(missing.stderr()).contains("no SSH agent \"default\"");
        } finally {
            agent.destroy();
            agent.waitFor();
        }
    }

    @Test
    void bindTmpfsAndCacheMountsBehaveAndStayOutOfLayers() throws Exception {
        Path ctx = context("mounts", """
                FROM busybox AS build
                RUN mkdir /out && echo from-stage > /out/x
                FROM busybox
                RUN --mount=type=bind,from=build,source=/out,target=/in cp /in/x /copied
                RUN --mount=type=bind,target=/ctx,rw sh -c 'echo scribble > /ctx/new && rm /ctx/data.txt && ls /ctx'
                RUN --mount=type=bind,target=/ctx test -f /ctx/data.txt && test ! -e /ctx/new \\
                    && test ! -e /ctx/private.env && test ! -e /ctx/logs/debug.log && test -f /ctx/logs/keep.log \\
                    && test "$(stat -c '%a %u:%g' /ctx/logs)" = "750 7:8"
                RUN --mount=type=tmpfs,target=/scratch,size=1048576 sh -c 'df -k /scratch | grep -q " 1024 " && echo t > /scratch/f'
                RUN --mount=type=cache,target=/var/cache/app,id=appcache,sharing=locked \\
                    sh -c 'n=$(cat /var/cache/app/n 2>/dev/null || echo 0); echo $((n+1)) > /var/cache/app/n; echo "cache count $((n+1))"'
                """);
        Files.writeString(ctx.resolve("data.txt"), "context data\n");
        Files.writeString(ctx.resolve("private.env"), "TOKEN=not-for-the-build\n");
        Files.createDirectories(ctx.resolve("logs"));
        Files.writeString(ctx.resolve("logs/debug.log"), "x\n");
        Files.writeString(ctx.resolve("logs/keep.log"), "y\n");
        Files.setAttribute(ctx.resolve("logs"), "unix:mode", 0750);
        Files.setAttribute(ctx.resolve("logs"), "unix:uid", 7);
        Files.setAttribute(ctx.resolve("logs"), "unix:gid", 8);
        Files.writeString(ctx.resolve(".dockerignore"), "private.env\nlogs\n!logs/keep.log\n");
        Path tar = tmp.resolve("mounts.tar");
        KilnRunner.Run first = kiln.run("build", "--progress", "plain", "-o", "type=tar,dest=" + tar, ctx.toString());
        assertThat(first.exit()).as(first.all()).isZero();
        assertThat(first.stderr()).contains("cache count 1");
        assertThat(Files.readString(ctx.resolve("data.txt"))).isEqualTo("context data\n");
        assertThat(ctx.resolve("new")).doesNotExist();
        List<String> listing = BuildIT.exec(null, "tar", "-tf", tar.toString()).stdout().lines()
                .map(l -> l.startsWith("./") ? l.substring(2) : l).toList();
        assertThat(listing).contains("copied");
        assertThat(listing).noneMatch(l -> l.startsWith("var/cache/app") || l.startsWith("scratch")
                || l.startsWith("ctx") || l.equals("in") || l.startsWith("in/"));

        KilnRunner.Run second = kiln.run("build", "--progress", "plain", "--no-cache", ctx.toString());
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(second.stderr()).as("the cache persists across builds on one state dir").contains("cache count 2");
    }

    @Test
    void aNewCacheMountIsSeededFromAStageAndKeepsItsOwnContentAfterwards() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("cache-seed"));
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox AS seed
                RUN mkdir -p /seed/sub && echo seeded > /seed/sub/f
                FROM busybox
                RUN --mount=type=cache,id=seeded-cache,target=/c,from=seed,source=/seed \\
                    sh -c 'echo "seen $(cat /c/sub/f)"; echo again >> /c/sub/f'
                """);
        KilnRunner.Run first = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(first.exit()).as(first.all()).isZero();
        assertThat(first.stderr()).contains("seen seeded");
        KilnRunner.Run second = kiln.run("build", "--progress", "plain", "--no-cache", ctx.toString());
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(second.stderr()).as("an existing cache is not seeded again").contains("seen seeded").contains("again");
    }

    @Test
    void theSandboxRefusesMountsModulesAndNamespacesAndHidesHostProcesses() throws Exception {
        Path ctx = context("sandbox", """
                FROM busybox
                RUN mkdir -p /mnt/t; mount -t tmpfs none /mnt/t; echo "mount=$?"; \\
                    head -c 64 /dev/urandom > /tmp/x.ko; insmod /tmp/x.ko; echo "insmod=$?"; \\
                    unshare -U -r true; echo "unshare=$?"; \\
                    echo "procs=$(ls -d /proc/[0-9]* | wc -l)"; echo "pid1=$(cat /proc/1/comm)"; \\
                    grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; echo "host=$(hostname)"; rm /tmp/x.ko
                RUN --network=none sh -c 'echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"'
                """);
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", "--no-cache", ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        String out = r.stderr();
        assertThat(out).contains("mount=1", "insmod=1", "unshare=1", "pid1=sh", "host=buildkitsandbox");
        assertThat(out).contains("insmod: can't insert '/tmp/x.ko': Operation not permitted");
        assertThat(out).containsPattern("Seccomp:\\s+2").containsPattern("NoNewPrivs:\\s+1");
        assertThat(out).containsPattern("procs=[1-4]\\b");
        assertThat(out).contains("ifaces=lo ");
    }

    @Test
    void hostNetworkAndInsecureNeedTheirEntitlements() throws Exception {
        Path ctx = context("entitled", """
                FROM busybox
                RUN --network=host echo "host-ifaces=$(tail -n +3 /proc/net/dev | wc -l)"
                RUN --security=insecure sh -c 'grep -E "^Seccomp:" /proc/self/status; mkdir /m && mount -t tmpfs none /m && echo mounted'
                """);
        KilnRunner.Run refused = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.stderr()).contains("needs the entitlement network.host: pass --allow network.host");
        KilnRunner.Run half = kiln.run("build", "--progress", "plain", "--allow", "network.host", ctx.toString());
        assertThat(half.exit()).isNotZero();
        assertThat(half.stderr()).contains("--allow security.insecure");
        KilnRunner.Run ok = kiln.run("build", "--progress", "plain", "--no-cache", "--allow", "network.host",
                "--allow", "security.insecure", ctx.toString());
        assertThat(ok.exit()).as(ok.all()).isZero();
        long hostIfaces = Files.readAllLines(Path.of("/proc/net/dev")).size() - 2;
        assertThat(ok.stderr()).contains("host-ifaces=" + hostIfaces).containsPattern("Seccomp:\\s+0").contains("mounted");
    }

    /** Copies ssh-add and the libraries ldd lists into {@code root}, keeping their paths. */
    static void copySshAdd(Path root) throws Exception {
        Path sshAdd = Path.of(BuildIT.exec(null, "sh", "-c", "command -v ssh-add").stdout().strip());
        List<Path> files = new ArrayList<>(List.of(sshAdd));
        for (String line : BuildIT.exec(null, "ldd", sshAdd.toString()).stdout().lines().toList()) {
            for (String word : line.strip().split("\\s+")) {
                if (word.startsWith("/")) {
                    files.add(Path.of(word));
                }
            }
        }
        for (Path f : files) {
            Path target = root.resolve(f.toString().substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(f.toRealPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static byte[] decompressed(Path blob) throws IOException {
        byte[] raw = Files.readAllBytes(blob);
        if (raw.length > 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                return out.toByteArray();
            }
        }
        return raw;
    }

    /** The entry names of a tar (no leading {@code ./}), or none if {@code content} is not a tar. */
    static List<String> tarEntries(byte[] content) throws Exception {
        if (content.length < 263 || !new String(content, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar")) {
            return List.of();
        }
        Path t = Files.createTempFile(tmp, "layer", ".tar");
        Files.write(t, content);
        List<String> names = BuildIT.exec(null, "tar", "-tf", t.toString()).stdout().lines()
                .map(l -> l.startsWith("./") ? l.substring(2) : l).toList();
        Files.delete(t);
        return names;
    }

    static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    /** Every regular file under {@code dir} (the state dir: database, WAL, blobs, snapshots, cache mounts). */
    static void assertNotInTree(Path dir, String... secrets) throws IOException {
        List<Path> files;
        try (var s = Files.walk(dir)) {
            files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            byte[] content = decompressed(f);
            for (String secret : secrets) {
                assertThat(contains(content, secret)).as("secret found in " + f).isFalse();
            }
        }
    }
}
