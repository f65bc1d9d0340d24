package dev.kiln.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./kiln} launcher of this checkout as a separate process, the way a
 * user does, over a given state dir. Integration tests only.
 */
final class KilnRunner {
    /** What one command did. */
    record Run(int exit, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private final Path stateDir;

    KilnRunner(Path stateDir) {
        this.stateDir = stateDir;
    }

    /** Whether an executable named {@code cmd} is on the PATH. */
    static boolean onPath(String cmd) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, cmd))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A runner over {@code state} that already holds busybox:latest, built as
     * {@link #buildBusybox} does; skips the calling test class (JUnit assumption) when
     * busybox-static or runc is not installed.
     */
    static KilnRunner withBusybox(Path scratch, Path state) throws IOException, InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")),
                "busybox-static is not installed");
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("runc"), "runc is not installed");
        KilnRunner kiln = new KilnRunner(state);
        kiln.buildBusybox(scratch);
        return kiln;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isExecutable(p.resolve("kiln"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("cannot find the kiln launcher above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    Run run(String... args) throws IOException, InterruptedException {
        return run(List.of(args));
    }

    Run run(List<String> args) throws IOException, InterruptedException {
        Process p = start(args);
        return finish(p);
    }

    /** Runs with {@code DOCKER_CONFIG} pointing at {@code dockerConfig}. */
    Run runWithEnv(Path dockerConfig, List<String> args) throws IOException, InterruptedException {
        return finish(start(args, dockerConfig));
    }

    Process start(List<String> args) throws IOException {
        return start(args, null);
    }

    private Process start(List<String> args, Path dockerConfig) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(repoRoot().resolve("kiln").toString());
        cmd.add("--root");
        cmd.add(stateDir.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KILN_ROOT");
        if (dockerConfig != null) {
            pb.environment().put("DOCKER_CONFIG", dockerConfig.toString());
        }
        return pb.start();
    }

    static Run finish(Process p) throws IOException, InterruptedException {
        var out = p.getInputStream();
        var err = p.getErrorStream();
        byte[][] bufs = new byte[2][];
        Thread o = Thread.ofVirtual().start(() -> bufs[0] = readAll(out));
        Thread e = Thread.ofVirtual().start(() -> bufs[1] = readAll(err));
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("kiln did not finish in 10 minutes");
        }
        o.join();
        e.join();
        return new Run(p.exitValue(), new String(bufs[0], StandardCharsets.UTF_8), new String(bufs[1], StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException ex) {
            return new byte[0];
        }
    }

    /** Builds busybox:latest from examples/busybox and Debian's busybox-static, as examples/build.sh does. */
    void buildBusybox(Path scratch) throws IOException, InterruptedException {
        Path ctx = busyboxContext(scratch.resolve("busybox-context"));
        Run r = run("build", "--progress", "plain", "-t", "busybox:latest", ctx.toString());
        if (r.exit() != 0) {
            throw new IllegalStateException("building busybox failed:\n" + r.all());
        }
    }

    /**
     * Writes the busybox base's build context into {@code dir} (created if missing): the files of
     * examples/busybox plus Debian's {@code /bin/busybox}, as examples/build.sh assembles it.
     * Returns {@code dir}.
     */
    static Path busyboxContext(Path dir) throws IOException {
        Path ctx = Files.createDirectories(dir);
        Path src = repoRoot().resolve("examples/busybox");
        try (var files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = ctx.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.copy(Path.of("/bin/busybox"), ctx.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
        return ctx;
    }

    /**
     * Writes a build context into {@code dir} (created if missing): a Dockerfile with the given
     * text and each of {@code files} (relative path to content, parent directories made as
     * needed). Returns {@code dir}.
     */
    static Path context(Path dir, String dockerfile, Map<String, String> files) throws IOException {
        Path ctx = Files.createDirectories(dir);
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        for (var e : files.entrySet()) {
            Path p = ctx.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue());
        }
        return ctx;
    }
}
