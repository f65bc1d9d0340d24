package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the real launcher: builds the offline busybox base with Kiln itself,
 * then the examples/hello multi-stage image, and checks it with skopeo and podman; checks
 * caching, error reporting and concurrent use of one state dir.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuildIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    Path state;
    KilnRunner kiln;

    @BeforeAll
    void buildBase() throws Exception {
        state = tmp.resolve("state");
        kiln = KilnRunner.withBusybox(tmp, state);
    }

    static boolean onPath(String cmd) {
        return KilnRunner.onPath(cmd);
    }

    Path helloContext(String name) throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve(name));
        Path src = KilnRunner.repoRoot().resolve("examples/hello");
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, ctx.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return ctx;
    }

    static KilnRunner.Run exec(Path dir, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        return KilnRunner.finish(p);
    }

    @Test
    void theExampleIsAValidOciImageWhoseConfigMatchesTheDockerfileAndPodmanRunsIt() throws Exception {
        Path oci = tmp.resolve("hello-oci.tar");
        Path docker = tmp.resolve("hello-docker.tar");
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", "-t", "kiln-example/hello:it",
                "-o", "type=oci,dest=" + oci, "-o", "type=docker,dest=" + docker, helloContext("hello").toString());
        assertThat(r.exit()).as(r.all()).isZero();

        assumeTrue(onPath("skopeo"), "skopeo is not installed");
        KilnRunner.Run inspect = exec(null, "skopeo", "inspect", "oci-archive:" + oci);
        assertThat(inspect.exit()).as(inspect.all()).isZero();
        JsonNode info = JSON.readTree(inspect.stdout());
        KilnRunner.Run cfgRun = exec(null, "skopeo", "inspect", "--config", "oci-archive:" + oci);
        JsonNode cfg = JSON.readTree(cfgRun.stdout());
        JsonNode c = cfg.get("config");
        assertThat(c.get("User").asText()).isEqualTo("app");
        assertThat(c.get("WorkingDir").asText()).isEqualTo("/app");
        assertThat(c.get("Env").toString()).contains("APP_HOME=/app").contains("PATH=");
        assertThat(c.get("Entrypoint").toString()).isEqualTo("[\"/usr/local/bin/hello\"]");
        assertThat(c.get("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(c.get("Labels").get("org.opencontainers.image.title").asText()).isEqualTo("kiln hello example");
        assertThat(cfg.get("architecture").asText()).isNotEmpty();
        int layers = info.get("Layers").size();
        assertThat(cfg.get("rootfs").get("diff_ids").size()).isEqualTo(layers);
        long nonEmpty = 0;
        for (JsonNode h : cfg.get("history")) {
            if (!h.path("empty_layer").asBoolean(false)) {
                nonEmpty++;
            }
        }
        assertThat(nonEmpty).as("one history entry per layer").isEqualTo(layers);
        assertThat(cfg.get("history").toString()).contains("COPY /src/shout.txt /src/build-info.txt ./ # buildkit", "RUN |1 MESSAGE=Hello from Kiln /bin/sh -c echo", "USER app", "EXPOSE");

        assumeTrue(onPath("podman"), "podman is not installed");
        Path podRoot = tmp.resolve("podman");
        List<String> podman = List.of("podman", "--root", podRoot.resolve("root").toString(), "--runroot",
                podRoot.resolve("run").toString(), "--storage-driver", "vfs", "--runtime", "runc");
        KilnRunner.Run load = exec(null, concat(podman, "load", "-i", docker.toString()));
        assertThat(load.exit()).as(load.all()).isZero();
        KilnRunner.Run run = exec(null, concat(podman, "run", "--rm", "--network=none", "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=4096:4096", "kiln-example/hello:it"));
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.stdout()).contains("Hello from Kiln", "HELLO, WORLD", "built by root", "running as app in /app");
        KilnRunner.Run stat = exec(null, concat(podman, "run", "--rm", "--network=none", "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=4096:4096", "--entrypoint", "stat",
                "kiln-example/hello:it", "-c", "%U:%G %a", "/usr/local/bin/hello", "/app/shout.txt"));
        assertThat(stat.stdout()).contains("app:app 755", "root:root 644");
    }

    static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    /** Step numbers of {@code #N [..] ...} lines, and whether each was CACHED. */
    static List<String> stepsNotCached(String plain) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^#(\\d+) (\\[[^\\]]*\\d+/\\d+\\].*)$").matcher(plain);
        while (m.find()) {
            if (!plain.contains("#" + m.group(1) + " CACHED")) {
                out.add(m.group(2));
            }
        }
        return out;
    }

    @Test
    void aSecondIdenticalBuildIsCachedAndOnlyStepsAfterAChangedFileRerun() throws Exception {
        Path ctx = helloContext("cache");
        KilnRunner.Run first = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(first.exit()).as(first.all()).isZero();

        KilnRunner.Run second = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(stepsNotCached(second.stderr())).as(second.stderr()).isEmpty();
        assertThat(second.stderr()).contains("CACHED");

        Files.setLastModifiedTime(ctx.resolve("greeting.txt"), java.nio.file.attribute.FileTime.fromMillis(1000));
        KilnRunner.Run touched = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(stepsNotCached(touched.stderr())).as("a touched file changes nothing").isEmpty();

        Files.writeString(ctx.resolve("hello.sh"), "#!/bin/sh\necho changed\n");
        KilnRunner.Run changed = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(changed.exit()).as(changed.all()).isZero();
        assertThat(stepsNotCached(changed.stderr())).as(changed.stderr()).hasSize(2)
                .anyMatch(s -> s.contains("COPY --chown=app:app --chmod=755 hello.sh"))
                .anyMatch(s -> s.contains("RUN echo \"$MESSAGE\""));
    }

    @Test
    void errorsNameFileAndLineExitNonZeroAndLeaveNothingHalfWritten() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("errors"));
        Files.writeString(ctx.resolve("Dockerfile"), "# a comment\nFROM busybox\nFORM busybox\n");
        KilnRunner.Run typo = kiln.run("build", ctx.toString());
        assertThat(typo.exit()).isNotZero();
        assertThat(typo.stderr()).contains("Dockerfile:3").contains("unknown instruction").contains("did you mean FROM");

        Path out = tmp.resolve("never.tar");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY missing.txt /\n");
        KilnRunner.Run missing = kiln.run("build", "-t", "broken:1", "-o", "type=oci,dest=" + out, ctx.toString());
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.stderr()).contains("Dockerfile:2").contains("missing.txt").contains("not found");
        assertThat(out).doesNotExist();
        assertThat(kiln.run("images").stdout()).doesNotContain("broken");

        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo about to fail && echo on stderr >&2 && exit 3\n");
        KilnRunner.Run failing = kiln.run("build", "--progress", "plain", "-t", "broken:2", ctx.toString());
        assertThat(failing.exit()).isNotZero();
        assertThat(failing.stderr()).contains("Dockerfile:2").contains("exit code: 3").contains("about to fail")
                .contains("on stderr");
        assertThat(kiln.run("images").stdout()).doesNotContain("broken");

        Files.writeString(ctx.resolve("Dockerfile"), "FROM nosuchimage:1\n");
        KilnRunner.Run noBase = kiln.run("build", ctx.toString());
        assertThat(noBase.exit()).isNotZero();
        assertThat(noBase.stderr()).contains("Dockerfile:1").contains("nosuchimage");
    }

    @Test
    void twoBuildsOnOneStateDirAtOnceBothSucceed() throws Exception {
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path ctx = Files.createDirectories(tmp.resolve("concurrent-" + i));
            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN sleep 1 && echo " + i + " > /n\n");
            procs.add(kiln.start(List.of("build", "-t", "concurrent:" + i, ctx.toString())));
        }
        for (Process p : procs) {
            KilnRunner.Run r = KilnRunner.finish(p);
            assertThat(r.exit()).as(r.all()).isZero();
        }
        assertThat(kiln.run("images").stdout()).contains("concurrent", "0").contains("1");
    }

    @Test
    void savedImagesLoadIntoAnotherStateDirAndServeAsBasesThereAndAsOciLayoutContexts() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("base-user"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo derived > /derived\nCMD [\"cat\", \"/derived\"]\n");
        Path archive = tmp.resolve("busybox-save.tar");
        assertThat(kiln.run("save", "busybox:latest", "-o", archive.toString()).exit()).isZero();

        KilnRunner other = new KilnRunner(tmp.resolve("other-state"));
        KilnRunner.Run load = other.run("load", "-i", archive.toString());
        assertThat(load.exit()).as(load.all()).isZero();
        assertThat(load.stdout()).contains("busybox:latest");
        assertThat(other.run("images").stdout()).contains("busybox");
        KilnRunner.Run build = other.run("build", "-t", "derived:1", ctx.toString());
        assertThat(build.exit()).as(build.all()).isZero();

        Path layout = Files.createDirectories(tmp.resolve("layout"));
        assertThat(exec(layout, "tar", "-xf", archive.toString()).exit()).isZero();
        Files.writeString(ctx.resolve("Dockerfile"), "FROM base\nRUN test -x /bin/busybox\n");
        KilnRunner fresh = new KilnRunner(tmp.resolve("fresh-state"));
        KilnRunner.Run viaLayout = fresh.run("build", "--build-context", "base=oci-layout://" + layout + ":latest",
                ctx.toString());
        assertThat(viaLayout.exit()).as(viaLayout.all()).isZero();
    }

    @Test
    void localAndTarOutputsHoldTheFileSystem() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("fs-out"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN mkdir -p /out && echo data > /out/file && ln -s file /out/link\n");
        Path dir = tmp.resolve("local-out");
        Path tar = tmp.resolve("fs.tar");
        KilnRunner.Run r = kiln.run("build", "-o", "type=local,dest=" + dir, "-o", "type=tar,dest=" + tar, ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(Files.readString(dir.resolve("out/file"))).isEqualTo("data\n");
        assertThat(Files.readSymbolicLink(dir.resolve("out/link")).toString()).isEqualTo("file");
        KilnRunner.Run list = exec(null, "tar", "-tvf", tar.toString());
        assertThat(list.stdout()).contains("out/file").contains("out/link -> file").contains("bin/busybox");
        assertThat(TimeUnit.SECONDS).isNotNull();
    }

    @Test
    void withSourceDateEpochTheImageDigestDoesNotDependOnEarlierBuilds() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("reproducible"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY f /f\nRUN echo made > /made\n");
        Files.writeString(ctx.resolve("f"), "content\n");
        KilnRunner.Run plainBuild = kiln.run("build", "-q", ctx.toString());
        assertThat(plainBuild.exit()).as(plainBuild.all()).isZero();
        KilnRunner.Run clamped = kiln.run("build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
        assertThat(clamped.exit()).as(clamped.all()).isZero();

        KilnRunner other = new KilnRunner(tmp.resolve("reproducible-state"));
        Path archive = tmp.resolve("busybox-for-reproducible.tar");
        assertThat(kiln.run("save", "busybox:latest", "-o", archive.toString()).exit()).isZero();
        assertThat(other.run("load", "-i", archive.toString()).exit()).isZero();
        KilnRunner.Run fresh = other.run("build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=1700000000", ctx.toString());
        assertThat(fresh.exit()).as(fresh.all()).isZero();
        assertThat(fresh.stdout().strip()).isEqualTo(clamped.stdout().strip());
        assertThat(clamped.stdout().strip()).isNotEqualTo(plainBuild.stdout().strip());
    }
}
