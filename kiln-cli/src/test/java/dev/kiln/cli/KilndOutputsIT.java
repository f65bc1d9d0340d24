package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * File outputs of {@code kiln --addr … build} are written by the client, on its machine, where it
 * said: a real {@code ./kilnd} runs in a working directory of its own, the real client in another
 * one gives relative {@code dest} paths, and the OCI, docker and tar archives, the local directory
 * and a tar on stdout ({@code dest=-}) appear under the client's directory, equal entry for entry
 * (or file for file, with owners and modes) to what a daemonless build with the same
 * SOURCE_DATE_EPOCH writes, over the unix socket and over TCP; the daemon's directory gets nothing. A build that fails, a client
 * that cannot write its dest and a cancelled build leave nothing at the dest, not even a
 * temporary file. A client that is not root gets the files of a local output owned by itself.
 * Local caches ({@code --cache-to/--cache-from type=local}) are written and read on the client too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KilndOutputsIT {
    private static final String EPOCH = "1700000000";
    @TempDir
    static Path tmp;
    Path state;
    Path ctx;
    Path reference;
    Path clientDir;
    Path daemonDir;
    Path sock;
    Process daemonProcess;

    @BeforeAll
    void start() throws Exception {
        state = tmp.resolve("state");
        KilnRunner kiln = KilnRunner.withBusybox(tmp, state);
        ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("hello.txt"), "hello from the client's context\n");
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox:latest
                COPY hello.txt /hello.txt
                RUN mkdir -p /data && echo built > /data/out && chown 1234:5678 /data/out && chmod 640 /data/out \\
                    && ln -s /hello.txt /data/link
                """);
        // the daemonless outputs to compare with, over the state dir the daemon then uses
        reference = Files.createDirectories(tmp.resolve("reference"));
        KilnRunner.Run ref = kiln.run(List.of("build", "--progress", "plain", "-t", "outputs:1",
                "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "-o", "type=oci,dest=" + reference.resolve("img.oci.tar"),
                "-o", "type=docker,dest=" + reference.resolve("img.docker.tar"),
                "-o", "type=tar,dest=" + reference.resolve("fs.tar"),
                "-o", "type=local,dest=" + reference.resolve("fs"), ctx.toString()));
        assertThat(ref.exit()).as(ref.all()).isZero();
        // the same base image for a second, otherwise empty state dir (aLocalCacheIsWrittenAndReadOnTheClient)
        KilnRunner.Run save = kiln.run("save", "busybox:latest", "-o", tmp.resolve("busybox.oci.tar").toString());
        assertThat(save.exit()).as(save.all()).isZero();

        clientDir = Files.createDirectories(tmp.resolve("client-cwd"));
        daemonDir = Files.createDirectories(tmp.resolve("daemon-cwd"));
        sock = tmp.resolve("kilnd.sock");
        ProcessBuilder pb = new ProcessBuilder(KilnRunner.repoRoot().resolve("kilnd").toString(), "--config", "/dev/null",
                "--root", state.toString(), "--addr", "unix://" + sock, "--addr", "tcp://127.0.0.1:0", "--insecure-tcp")
                .directory(daemonDir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("kilnd.err").toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(tmp.resolve("kilnd.err")).contains("kilnd: ready")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("kilnd did not start:\n" + Files.readString(tmp.resolve("kilnd.err")));
            }
            Thread.sleep(100);
        }
        daemonProcess = p;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on (tcp://127\\.0\\.0\\.1:\\d+)")
                .matcher(Files.readString(tmp.resolve("kilnd.err")));
        assertThat(m.find()).as(Files.readString(tmp.resolve("kilnd.err"))).isTrue();
        tcpAddr = m.group(1);
    }

    String tcpAddr;

    @AfterAll
    void stop() throws Exception {
        if (daemonProcess != null && daemonProcess.isAlive()) {
            KilndProcess.signal(daemonProcess.pid(), "TERM");
            if (!daemonProcess.waitFor(60, TimeUnit.SECONDS)) {
                daemonProcess.destroyForcibly();
            }
        }
    }

    /** {@code ./kiln --addr … ARGS} started in the client's working directory. */
    Process client(String... args) throws IOException {
        return clientAt("unix://" + sock, args);
    }

    /** {@code ./kiln --addr ADDR ARGS} started in the client's working directory. */
    Process clientAt(String addr, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(KilnRunner.repoRoot().resolve("kiln").toString(), "--addr", addr));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(clientDir.toFile());
        pb.environment().remove("KILN_ROOT");
        pb.environment().remove("KILN_HOST");
        return pb.start();
    }

    /** Runs the client to its end: exit code, stdout bytes, stderr. */
    record Outcome(int exit, byte[] stdout, String stderr) {}

    Outcome run(String... args) throws Exception {
        return finish(client(args));
    }

    Outcome finish(Process p) throws Exception {
        byte[][] out = new byte[2][];
        Thread o = Thread.ofVirtual().start(() -> out[0] = readAll(p.getInputStream()));
        Thread e = Thread.ofVirtual().start(() -> out[1] = readAll(p.getErrorStream()));
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        o.join();
        e.join();
        return new Outcome(p.exitValue(), out[0], new String(out[1], StandardCharsets.UTF_8));
    }

    @Test
    void fileOutputsLandOnTheClientEqualToTheDaemonlessOnes() throws Exception {
        Outcome files = run("build", "--progress", "plain", "-t", "outputs:1", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                "-o", "type=oci,dest=out/img.oci.tar", "-o", "type=docker,dest=out/img.docker.tar",
                "-o", "type=tar,dest=out/fs.tar", "-o", "type=local,dest=out/fs", ctx.toString());
        assertThat(files.exit()).as(files.stderr()).isZero();

        Path out = clientDir.resolve("out");
        assertThat(tarEntries(out.resolve("img.oci.tar"))).isEqualTo(tarEntries(reference.resolve("img.oci.tar")))
                .containsKey("index.json");
        assertThat(tarEntries(out.resolve("img.docker.tar"))).isEqualTo(tarEntries(reference.resolve("img.docker.tar")))
                .containsKey("manifest.json");
        assertThat(Files.readAllBytes(out.resolve("fs.tar"))).isEqualTo(Files.readAllBytes(reference.resolve("fs.tar")));
        Map<String, String> tree = tree(out.resolve("fs"));
        assertThat(tree).isEqualTo(tree(reference.resolve("fs")))
                .hasEntrySatisfying("data/out", v -> assertThat(v).startsWith("file 1234:5678 640 "
                        + sha256("built\n".getBytes(StandardCharsets.UTF_8))));
        assertThat(tree.get("data/link")).endsWith(" /hello.txt");
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList())
                    .as("no temporary files left beside the outputs")
                    .containsExactly("fs", "fs.tar", "img.docker.tar", "img.oci.tar");
        }
        // the daemon resolved nothing itself: its own directory and the client's absolute path stay as they were
        assertThat(daemonDir.resolve("out")).doesNotExist();
        try (Stream<Path> s = Files.list(daemonDir)) {
            assertThat(s.toList()).isEmpty();
        }

        // over TCP (the daemon could be another machine) the same
        Outcome tcp = finish(clientAt(tcpAddr, "build", "--progress", "plain", "-t", "outputs:1", "--build-arg",
                "SOURCE_DATE_EPOCH=" + EPOCH, "-o", "type=oci,dest=tcp/img.oci.tar", "-o", "type=local,dest=tcp/fs",
                ctx.toString()));
        assertThat(tcp.exit()).as(tcp.stderr()).isZero();
        assertThat(tarEntries(clientDir.resolve("tcp/img.oci.tar"))).isEqualTo(tarEntries(reference.resolve("img.oci.tar")));
        assertThat(tree(clientDir.resolve("tcp/fs"))).isEqualTo(tree(reference.resolve("fs")));

        Outcome stdout = run("build", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH, "-o", "-", ctx.toString());
        assertThat(stdout.exit()).as(stdout.stderr()).isZero();
        assertThat(stdout.stdout()).isEqualTo(Files.readAllBytes(reference.resolve("fs.tar")));
        Outcome ociStdout = run("build", "-t", "outputs:1", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH, "-o", "type=oci,dest=-",
                ctx.toString());
        assertThat(ociStdout.exit()).as(ociStdout.stderr()).isZero();
        assertThat(tarEntries(new ByteArrayInputStream(ociStdout.stdout())))
                .isEqualTo(tarEntries(reference.resolve("img.oci.tar")));
    }

    @Test
    void aFailedOrCancelledBuildLeavesNothingAtTheDest() throws Exception {
        Path failCtx = Files.createDirectories(tmp.resolve("fail-ctx"));
        Files.writeString(failCtx.resolve("Dockerfile"), "FROM busybox:latest\nRUN echo failing && exit 3\n");
        Outcome failed = run("build", "--progress", "plain", "-o", "type=oci,dest=failed/img.tar",
                "-o", "type=local,dest=failed/fs", failCtx.toString());
        assertThat(failed.exit()).as(failed.stderr()).isNotZero();
        assertThat(clientDir.resolve("failed")).doesNotExist();

        // the client cannot write where it said (the parent is a file): the build fails with the client's reason
        Files.writeString(clientDir.resolve("not-a-dir"), "x");
        Outcome unwritable = run("build", "--progress", "plain", "-o", "type=tar,dest=not-a-dir/fs.tar", ctx.toString());
        assertThat(unwritable.exit()).isNotZero();
        assertThat(unwritable.stderr()).contains("not-a-dir/fs.tar");
        assertThat(Files.readString(clientDir.resolve("not-a-dir"))).isEqualTo("x");

        Path slowCtx = Files.createDirectories(tmp.resolve("slow-ctx"));
        Files.writeString(slowCtx.resolve("Dockerfile"), "FROM busybox:latest\nRUN sleep 60\n");
        Files.createDirectories(clientDir.resolve("cancelled"));
        Process cancelled = client("build", "--progress", "plain", "-o", "type=oci,dest=cancelled/img.tar",
                "-o", "type=local,dest=cancelled/fs", slowCtx.toString());
        Thread.ofVirtual().start(() -> readAll(cancelled.getInputStream()));
        Thread.ofVirtual().start(() -> readAll(cancelled.getErrorStream()));
        Thread.sleep(4000);
        KilndProcess.signal(cancelled.pid(), "INT");
        assertThat(cancelled.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(cancelled.exitValue()).isNotZero();
        try (Stream<Path> s = Files.list(clientDir.resolve("cancelled"))) {
            assertThat(s.toList()).isEmpty();
        }

        // cancelled in the middle of sending: the client stops reading its stdout (a 64 MB tar), so the
        // daemon must wait for it (flow control) rather than buffer; Ctrl-C then ends the build, the
        // output after it never appears, and the daemon builds the next request as usual
        Path bigCtx = Files.createDirectories(tmp.resolve("big-ctx"));
        Files.writeString(bigCtx.resolve("Dockerfile"),
                "FROM busybox:latest\nRUN dd if=/dev/zero of=/big bs=1M count=64\n");
        Process stalled = client("build", "--progress", "plain", "-o", "type=tar,dest=-",
                "-o", "type=oci,dest=after/img.tar", bigCtx.toString());
        StringBuffer stalledErr = new StringBuffer();
        Thread.ofVirtual().start(() -> stalledErr.append(new String(readAll(stalled.getErrorStream()), StandardCharsets.UTF_8)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (stalled.getInputStream().available() < 64 * 1024 && System.nanoTime() < deadline && stalled.isAlive()) {
            Thread.sleep(100);
        }
        assertThat(stalled.isAlive()).as("the client waits for its stdout to be read").isTrue();
        Thread.sleep(1000);
        KilndProcess.signal(stalled.pid(), "INT");
        assertThat(stalled.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(stalled.exitValue()).isNotZero();
        assertThat(clientDir.resolve("after")).doesNotExist();
        assertThat(daemonProcess.isAlive()).isTrue();
        Outcome next = run("build", "--progress", "plain", "-o", "type=tar,dest=next.tar", ctx.toString());
        assertThat(next.exit()).as(next.stderr()).isZero();
        assertThat(clientDir.resolve("next.tar")).isNotEmptyFile();
    }

    /**
     * {@code --cache-to type=local} and {@code --cache-from type=local} through kilnd keep the cache
     * on the client, as a daemonless build does: the export lands under the client's directory
     * (the daemon's gets nothing), and a second kilnd that never built the Dockerfile imports it
     * over the session ({@code transferring cache: SIZE}) and runs no step.
     */
    @Test
    void aLocalCacheIsWrittenAndReadOnTheClient() throws Exception {
        Path cacheCtx = KilnRunner.context(tmp.resolve("cache-ctx"), """
                FROM busybox:latest
                COPY hello.txt /hello.txt
                RUN echo marker-run && cat /hello.txt > /copy
                """, Map.of("hello.txt", "cached through kilnd\n"));
        Files.createDirectories(clientDir.resolve("cache/app"));
        Files.writeString(clientDir.resolve("cache/app/stale"), "an earlier export, replaced as the daemonless export replaces it");
        Outcome export = run("build", "--progress", "plain", "--cache-to", "type=local,dest=cache/app", cacheCtx.toString());
        assertThat(export.exit()).as(export.stderr()).isZero();
        assertThat(ranStep(export.stderr(), "marker-run")).as(export.stderr()).isTrue();
        assertThat(export.stderr()).contains("sending cache to client cache/app");
        Path cache = clientDir.resolve("cache/app");
        assertThat(cache.resolve("index.json")).isNotEmptyFile();
        assertThat(cache.resolve("oci-layout")).isNotEmptyFile();
        assertThat(cache.resolve("stale")).doesNotExist();
        try (Stream<Path> s = Files.list(cache.resolve("blobs/sha256"))) {
            assertThat(s.count()).as("config, manifest and layers").isGreaterThanOrEqualTo(3);
        }
        try (Stream<Path> s = Files.list(clientDir.resolve("cache"))) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).as("no temporary files").containsExactly("app");
        }
        assertThat(daemonDir.resolve("cache")).doesNotExist();

        Path state2 = tmp.resolve("state-empty");
        KilnRunner.Run load = new KilnRunner(state2).run("load", "-i", tmp.resolve("busybox.oci.tar").toString());
        assertThat(load.exit()).as(load.all()).isZero();
        Path sock2 = tmp.resolve("kilnd2.sock");
        // the second daemon sees an empty tmpfs where the client's directory is (its own mount namespace),
        // as a daemon on another machine would: it can only get the cache through the session
        Path err2 = tmp.resolve("kilnd2.err");
        Process second = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs kiln-elsewhere \"$0\" && exec \"$1\" --config /dev/null --root \"$2\" --addr \"unix://$3\"",
                clientDir.toString(), KilnRunner.repoRoot().resolve("kilnd").toString(), state2.toString(), sock2.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err2.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err2).contains("kilnd: ready")) {
                assertThat(second.isAlive() && System.nanoTime() < deadline).as(Files.readString(err2)).isTrue();
                Thread.sleep(100);
            }
            Outcome imported = finish(clientAt("unix://" + sock2, "build", "--progress", "plain",
                    "--cache-from", "type=local,src=cache/app", cacheCtx.toString()));
            assertThat(imported.exit()).as(imported.stderr()).isZero();
            assertThat(ranStep(imported.stderr(), "marker-run")).as(imported.stderr()).isFalse();
            assertThat(imported.stderr()).doesNotContain("cannot import cache")
                    .containsPattern("transferring cache: [1-9][0-9.]* ?[kKM]?i?B");
            java.util.regex.Matcher steps = java.util.regex.Pattern.compile("^#(\\d+) (\\[(?!internal).*)$",
                    java.util.regex.Pattern.MULTILINE).matcher(imported.stderr());
            int shown = 0;
            while (steps.find()) {
                shown++;
                assertThat(imported.stderr()).as("step " + steps.group(2) + " is CACHED")
                        .contains("#" + steps.group(1) + " CACHED\n");
            }
            assertThat(shown).as(imported.stderr()).isGreaterThanOrEqualTo(2);
        } finally {
            KilndProcess.signal(second.pid(), "TERM");
            if (!second.waitFor(60, TimeUnit.SECONDS)) {
                second.destroyForcibly();
            }
        }
    }

    /** Whether the plain progress shows a RUN step printing {@code marker}. */
    static boolean ranStep(String stderr, String marker) {
        return java.util.regex.Pattern.compile("#\\d+ \\d+\\.\\d+ " + marker + "$", java.util.regex.Pattern.MULTILINE)
                .matcher(stderr).find();
    }

    @Test
    void aClientThatIsNotRootOwnsWhatItWrites() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to add a user");
        assumeTrue(KilnRunner.onPath("useradd") || Files.isExecutable(Path.of("/usr/sbin/useradd")), "useradd missing");
        String user = "kout" + Long.toHexString(System.nanoTime() & 0xffffff);
        Path work = Files.createTempDirectory(Path.of("/tmp"), "kiln-outputs-");
        Files.setAttribute(work, "unix:mode", 0755);
        Path home = work.resolve("home");
        try {
            KilnRunner.Run add = BuildIT.exec(null, "useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", user);
            assertThat(add.exit()).as(add.all()).isZero();
            Path userCtx = Files.createDirectories(work.resolve("ctx"));
            for (String f : List.of("Dockerfile", "hello.txt")) {
                Files.copy(ctx.resolve(f), userCtx.resolve(f));
            }
            KilnRunner.Run r = KilnRunner.finish(new ProcessBuilder("runuser", "-u", user, "--", "env", "-u", "KILN_ROOT",
                    "-u", "KILN_HOST", "HOME=" + home, KilnRunner.repoRoot().resolve("kiln").toString(), "--addr", tcpAddr,
                    "build", "--progress", "plain", "-t", "outputs:1", "--build-arg", "SOURCE_DATE_EPOCH=" + EPOCH,
                    "-o", "type=local,dest=out/fs", "-o", "type=oci,dest=out/img.oci.tar", userCtx.toString())
                    .directory(home.toFile()).start());
            assertThat(r.exit()).as(r.all()).isZero();
            String owner = Files.getAttribute(home, "unix:uid") + ":" + Files.getAttribute(home, "unix:gid");
            assertThat(owner).isNotEqualTo("0:0");
            assertThat(tree(home.resolve("out/fs"))).as("the image's files, all owned by the client's user")
                    .isEqualTo(ownedBy(tree(reference.resolve("fs")), owner));
            assertThat(Files.getAttribute(home.resolve("out/img.oci.tar"), "unix:uid")).isEqualTo(Files.getAttribute(home, "unix:uid"));
            assertThat(tarEntries(home.resolve("out/img.oci.tar"))).isEqualTo(tarEntries(reference.resolve("img.oci.tar")));
        } finally {
            BuildIT.exec(null, "userdel", "-r", user);
            BuildIT.exec(null, "rm", "-rf", work.toString());
        }
    }

    /** Each entry of a tar (a file or a stream) by name: its type, mode, owner and content hash. */
    static Map<String, String> tarEntries(Path tar) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
            return tarEntries(in);
        }
    }

    static Map<String, String> tarEntries(InputStream raw) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                out.put(e.getName(), (e.isDirectory() ? "dir" : e.isSymbolicLink() ? "link " + e.getLinkName() : "file")
                        + " " + Integer.toOctalString(e.getMode() & 07777) + " " + e.getLongUserId() + ":"
                        + e.getLongGroupId() + " " + sha256(tar.readAllBytes()));
            }
        }
        return out;
    }

    /** A directory tree by relative path: type, owner, mode, content hash (or link target) and mtime. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root)).toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
                String owner = a.get("uid") + ":" + a.get("gid");
                String mode = Integer.toOctalString((Integer) a.get("mode") & 07777);
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "link " + owner + " " + Files.readSymbolicLink(p);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    what = "dir " + owner + " " + mode + " " + a.get("lastModifiedTime");
                } else {
                    what = "file " + owner + " " + mode + " " + sha256(Files.readAllBytes(p)) + " " + a.get("lastModifiedTime");
                }
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }

    /** {@link #tree} as if every entry were owned by {@code owner}. */
    static Map<String, String> ownedBy(Map<String, String> tree, String owner) {
        Map<String, String> out = new TreeMap<>();
        tree.forEach((k, v) -> {
            String[] f = v.split(" ", 3);
            out.put(k, f[0] + " " + owner + " " + f[2]);
        });
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
