package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dockerfile features the buildah of the differential test does not have, checked through the
 * launcher against what BuildKit documents: ADD of http(s) URLs (served by a JDK HttpServer on
 * 127.0.0.1), {@code --checksum}, COPY {@code --parents}, {@code --exclude}, {@code --link},
 * symbolic {@code --chmod}, heredocs, proxy args, and {@code kiln build --check}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontendFeaturesIT {
    @TempDir
    static Path tmp;
    KilnRunner kiln;
    HttpServer server;
    final AtomicReference<String> served = new AtomicReference<>("version one\n");
    static final Instant LAST_MODIFIED = Instant.parse("2021-03-04T05:06:07Z");

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        assumeTrue(BuildIT.onPath("runc"), "runc is not installed");
        kiln = new KilnRunner(tmp.resolve("state"));
        kiln.buildBusybox(tmp);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/files/", ex -> {
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Last-Modified",
                    DateTimeFormatter.RFC_1123_DATE_TIME.format(LAST_MODIFIED.atZone(ZoneOffset.UTC)));
            if (ex.getRequestURI().getPath().endsWith("/")) {
                ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"report.csv\"");
            }
            int status = ex.getRequestURI().getPath().contains("missing") ? 404 : 200;
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private Path context(String name, String dockerfile, Map<String, String> files) throws Exception {
        return KilnRunner.context(tmp.resolve(name), dockerfile, files);
    }

    private KilnRunner.Run build(Path ctx, Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("build", "--progress", "plain", "-o", "type=local,dest=" + out));
        args.addAll(List.of(extra));
        args.add(ctx.toString());
        return kiln.run(args);
    }

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void addFetchesUrlsNamedByPathOrContentDispositionWithMode600AndLastModified() throws Exception {
        served.set("version one\n");
        Path ctx = context("add-url", "FROM busybox\nADD " + url("/files/data.txt") + " /dl/\n"
                + "ADD " + url("/files/") + " /dl/\nADD --chmod=644 " + url("/files/data.txt") + " /renamed.txt\n", Map.of());
        Path out = tmp.resolve("add-url-out");
        KilnRunner.Run r = build(ctx, out);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Files.readString(out.resolve("dl/data.txt"))).isEqualTo("version one\n");
        assertThat(mode(out.resolve("dl/data.txt"))).isEqualTo(0600);
        assertThat(Files.getLastModifiedTime(out.resolve("dl/data.txt")).toInstant()).isEqualTo(LAST_MODIFIED);
        assertThat(Files.readString(out.resolve("dl/report.csv"))).isEqualTo("version one\n");
        assertThat(mode(out.resolve("renamed.txt"))).isEqualTo(0644);

        served.set("version two\n");
        Path out2 = tmp.resolve("add-url-out2");
        r = build(ctx, out2);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Files.readString(out2.resolve("dl/data.txt"))).as("a changed file is fetched again").isEqualTo("version two\n");
    }

    @Test
    void addChecksumIsVerified() throws Exception {
        served.set("pinned content\n");
        String good = "sha256:" + sha256("pinned content\n");
        Path ok = context("checksum-ok", "FROM busybox\nADD --checksum=" + good + " " + url("/files/pinned") + " /p\n", Map.of());
        KilnRunner.Run r = build(ok, tmp.resolve("checksum-ok-out"));
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Files.readString(tmp.resolve("checksum-ok-out/p"))).isEqualTo("pinned content\n");

        String bad = "sha256:" + "0".repeat(64);
        Path wrong = context("checksum-bad", "FROM busybox\nADD --checksum=" + bad + " " + url("/files/other") + " /p\n", Map.of());
        r = build(wrong, tmp.resolve("checksum-bad-out"));
        assertThat(r.exit()).isNotZero();
        assertThat(r.all()).contains("digest mismatch").contains(bad);

        Path local = context("checksum-local", "FROM busybox\nADD --checksum=" + good + " a.txt /a\n", Map.of("a.txt", "a"));
        r = build(local, tmp.resolve("checksum-local-out"));
        assertThat(r.exit()).isNotZero();
        assertThat(r.all()).contains("checksum can't be specified for non-HTTP(S) sources");

        Path missing = context("url-404", "FROM busybox\nADD " + url("/files/missing") + " /m\n", Map.of());
        r = build(missing, tmp.resolve("url-404-out"));
        assertThat(r.exit()).isNotZero();
        assertThat(r.all()).contains("404");
    }

    @Test
    void copyParentsExcludeLinkAndSymbolicChmod() throws Exception {
        Path ctx = context("copy-flags", """
                FROM busybox
                COPY --parents a/b/c.txt x/*.txt /p/
                COPY --parents ./a/./b/c.txt /q/
                COPY --exclude=*.md --exclude=sub/skip src /e/
                COPY --link a/b/c.txt /linked.txt
                COPY --chmod=u+x,go-r a/b/c.txt /sym
                COPY --chmod=a=rX src /dirs/
                """, Map.of("a/b/c.txt", "c", "x/y.txt", "y", "x/z.md", "z", "src/keep.txt", "k", "src/top.md", "md",
                "src/sub/deep.md", "deep", "src/sub/skip/s.txt", "s"));
        Path out = tmp.resolve("copy-flags-out");
        KilnRunner.Run r = build(ctx, out);
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Files.readString(out.resolve("p/a/b/c.txt"))).isEqualTo("c");
        assertThat(Files.readString(out.resolve("p/x/y.txt"))).isEqualTo("y");
        assertThat(out.resolve("p/x/z.md")).doesNotExist();
        assertThat(Files.readString(out.resolve("q/b/c.txt"))).isEqualTo("c");
        assertThat(out.resolve("q/a")).doesNotExist();
        assertThat(out.resolve("e/keep.txt")).exists();
        assertThat(out.resolve("e/top.md")).as("*.md excludes at the top of the source").doesNotExist();
        assertThat(out.resolve("e/sub/deep.md")).as("*.md does not cross directories (patternmatcher)").exists();
        assertThat(out.resolve("e/sub/skip")).doesNotExist();
        assertThat(Files.readString(out.resolve("linked.txt"))).isEqualTo("c");
        assertThat(mode(out.resolve("sym"))).isEqualTo(0700);
        assertThat(mode(out.resolve("dirs/keep.txt"))).isEqualTo(0444);
        assertThat(mode(out.resolve("dirs/sub"))).isEqualTo(0555);
    }

    @Test
    void heredocsNetworkNoneAndProxyArgs() throws Exception {
        Path ctx = context("heredoc", """
                FROM busybox
                ARG NAME=world
                COPY <<EOF /greeting
                hello $NAME
                EOF
                RUN <<EOT
                echo "from heredoc" > /script-out
                EOT
                RUN --network=none ip link show | grep -c ': ' > /interfaces
                RUN echo "proxy=$HTTP_PROXY" > /proxy
                """, Map.of());
        Path out = tmp.resolve("heredoc-out");
        KilnRunner.Run r = build(ctx, out, "--build-arg", "HTTP_PROXY=http://127.0.0.1:9");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Files.readString(out.resolve("greeting"))).isEqualTo("hello world\n");
        assertThat(Files.readString(out.resolve("script-out"))).isEqualTo("from heredoc\n");
        assertThat(Files.readString(out.resolve("interfaces")).strip()).isEqualTo("1");
        assertThat(Files.readString(out.resolve("proxy"))).isEqualTo("proxy=http://127.0.0.1:9\n");

        KilnRunner.Run again = build(ctx, tmp.resolve("heredoc-out2"), "--build-arg", "HTTP_PROXY=http://127.0.0.1:10");
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.all()).as("a proxy value is not part of the cache key").contains("CACHED");
        assertThat(Files.readString(tmp.resolve("heredoc-out2/proxy"))).isEqualTo("proxy=http://127.0.0.1:9\n");
    }

    @Test
    void checkRunsOnlyTheChecksAndTheDirectiveControlsThem() throws Exception {
        Path clean = context("check-clean", "FROM busybox\nCMD [\"sh\"]\n", Map.of());
        KilnRunner.Run r = kiln.run("build", "--check", clean.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.all()).contains("no warnings found");

        Path dirty = context("check-dirty", "FROM busybox AS Build\nENV DB_PASSWORD=x\nWORKDIR app\nRUN false\n", Map.of());
        r = kiln.run("build", "--check", dirty.toString());
        assertThat(r.exit()).as("findings make --check fail; RUN false never runs").isEqualTo(1);
        assertThat(r.all()).contains("StageNameCasing").contains("SecretsUsedInArgOrEnv").contains("WorkdirRelativePath")
                .contains("3 warnings have been found");

        Path skipped = context("check-skip", "# check=skip=StageNameCasing,SecretsUsedInArgOrEnv,WorkdirRelativePath\n"
                + Files.readString(dirty.resolve("Dockerfile")), Map.of());
        r = kiln.run("build", "--check", skipped.toString());
        assertThat(r.exit()).as(r.all()).isZero();

        Path error = context("check-error", "# check=error=true\nFROM busybox\nENV API_TOKEN=x\nRUN touch /ran\n", Map.of());
        r = build(error, tmp.resolve("check-error-out"));
        assertThat(r.exit()).isNotZero();
        assertThat(r.all()).contains("lint violation found for rules: SecretsUsedInArgOrEnv");
        assertThat(tmp.resolve("check-error-out/ran")).doesNotExist();
    }

    private static void sh(Path dir, String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-ec", script).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("GIT_AUTHOR_NAME", "t", "GIT_AUTHOR_EMAIL", "t@example.invalid",
                "GIT_COMMITTER_NAME", "t", "GIT_COMMITTER_EMAIL", "t@example.invalid"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(script + ": " + out).isZero();
    }

    @Test
    void addOfAGitRepositoryChecksOutTheRefAndSubdirAndKeepsGitDirOnlyWhenAsked() throws Exception {
        assumeTrue(BuildIT.onPath("git"), "git is not installed");
        Path src = Files.createDirectories(tmp.resolve("git-src"));
        Path root = Files.createDirectories(tmp.resolve("git-root"));
        sh(src, "git init -q -b main . && echo v1 > a.txt && mkdir sub && echo b > sub/b.txt && git add . "
                + "&& git commit -q -m one && git tag -a v1 -m v1 && echo v2 > a.txt && git commit -q -am two "
                + "&& git clone -q --bare . " + root.resolve("repo.git"));
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Process daemon = new ProcessBuilder("git", "daemon", "--export-all", "--base-path=" + root, "--listen=127.0.0.1",
                "--port=" + port, "--reuseaddr", root.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("git-daemon.log").toFile()).start();
        try {
            for (int i = 0; i < 50; i++) {
                try (var probe = new java.net.Socket("127.0.0.1", port)) {
                    break;
                } catch (java.io.IOException e) {
                    Thread.sleep(100);
                }
            }
            String repo = "git://127.0.0.1:" + port + "/repo.git";
            Path ctx = context("add-git", "FROM busybox\nADD " + repo + " /head/\nADD " + repo + "#v1 /v1/\n"
                    + "ADD " + repo + "#main:sub /sub/\nADD --keep-git-dir=true " + repo + "#main /kept/\n", Map.of());
            Path out = tmp.resolve("add-git-out");
            KilnRunner.Run r = build(ctx, out);
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(Files.readString(out.resolve("head/a.txt"))).isEqualTo("v2\n");
            assertThat(out.resolve("head/.git")).doesNotExist();
            assertThat(Files.readString(out.resolve("v1/a.txt"))).isEqualTo("v1\n");
            assertThat(Files.readString(out.resolve("sub/b.txt"))).isEqualTo("b\n");
            assertThat(out.resolve("sub/a.txt")).doesNotExist();
            assertThat(out.resolve("kept/.git")).isDirectory();

            sh(src, "echo v3 > a.txt && git commit -q -am three && git push -q " + root.resolve("repo.git") + " main");
            Path out2 = tmp.resolve("add-git-out2");
            r = build(ctx, out2);
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(Files.readString(out2.resolve("head/a.txt"))).as("a moved branch is fetched again").isEqualTo("v3\n");
            assertThat(Files.readString(out2.resolve("v1/a.txt"))).isEqualTo("v1\n");
        } finally {
            daemon.destroy();
            daemon.waitFor();
        }
    }

    @Test
    void sourceDateEpochSetsCreatedAndPlatformArgsNeedAnArgInTheStage() throws Exception {
        Path ctx = context("epoch", """
                FROM busybox
                LABEL undeclared="$TARGETARCH"
                ARG TARGETARCH
                ARG BUILDPLATFORM
                ARG TARGETPLATFORM
                LABEL arch=$TARGETARCH build=$BUILDPLATFORM target=$TARGETPLATFORM
                RUN echo layer > /f
                """, Map.of());
        Path oci = tmp.resolve("epoch.tar");
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
                "-o", "type=oci,dest=" + oci, ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        var config = OciArchiveImage.read(oci).config();
        assertThat(config.get("created").asText()).startsWith("2023-11-14T22:13:20");
        for (var h : config.get("history")) {
            if (!h.path("created_by").asText().contains("busybox") && h.path("created_by").asText().contains("LABEL")) {
                assertThat(h.get("created").asText()).startsWith("2023-11-14T22:13:20");
            }
        }
        var labels = config.get("config").get("Labels");
        String arch = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
        assertThat(labels.get("undeclared").asText()).isEmpty();
        assertThat(labels.get("arch").asText()).isEqualTo(arch);
        assertThat(labels.get("build").asText()).isEqualTo("linux/" + arch);
        assertThat(labels.get("target").asText()).isEqualTo("linux/" + arch);
    }
}
