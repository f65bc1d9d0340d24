package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testkit.BusyboxRootfs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Secret environment variables with real runc: the bundle holding them lives on a tmpfs only. Needs root. */
@Timeout(120)
class SecretEnvIT {
    @TempDir
    Path tmp;

    static boolean tmpfsMountedAt(Path p) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(l -> l.split(" "))
                .anyMatch(f -> f[4].equals(p.toString()) && l(f).contains(" - tmpfs "));
    }

    private static String l(String[] fields) {
        return " " + String.join(" ", fields) + " ";
    }

    @Test
    void theSecretReachesTheProcessAndOnlyATmpfsHoldsTheBundle() throws Exception {
        Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        Path state = tmp.resolve("state");
        RuncExecutor executor = new RuncExecutor(state);
        String secret = "s3cr3t-" + UUID.randomUUID();
        Path flag = rootfs.resolve("started");
        ProcessSpec spec = ProcessSpec.of(List.of("/bin/sh", "-c",
                "touch /started; while [ -e /started ]; do sleep 0.05; done; printf %s \"$TOKEN\" | md5sum"), List.of())
                .withSecretEnv(List.of("TOKEN=" + secret));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<ExitStatus> run = CompletableFuture.supplyAsync(() -> {
            try {
                return executor.run("secretenv", rootfs, spec, out, new ByteArrayOutputStream());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 400 && !Files.exists(flag); i++) {
            Thread.sleep(25);
        }
        assertThat(flag).exists();
        Path bundle = state.resolve("memory/secretenv");
        assertThat(tmpfsMountedAt(bundle)).as("bundle on a tmpfs while the container runs").isTrue();
        assertThat(Files.readString(bundle.resolve("config.json"))).contains(secret);
        assertThat(state.resolve("bundles/secretenv")).doesNotExist();
        Files.delete(flag);
        assertThat(run.get().code()).isZero();
        String md5 = new String(new ProcessBuilder("sh", "-c", "printf %s '" + secret + "' | md5sum").start()
                .getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(md5);
        assertThat(tmpfsMountedAt(bundle)).isFalse();
        try (var files = Files.walk(state)) {
            for (Path f : files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain(secret);
            }
        }
    }

    @Test
    void aNewExecutorUnmountsTmpfsBundlesAKilledEngineLeft() throws Exception {
        Path state = tmp.resolve("state");
        new RuncExecutor(state);
        Path left = Files.createDirectories(state.resolve("memory/left"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "t", left.toString()).start();
        assertThat(mount.waitFor()).isZero();
        Files.writeString(left.resolve("config.json"), "{}");
        assertThat(tmpfsMountedAt(left)).isTrue();
        new RuncExecutor(state);
        assertThat(tmpfsMountedAt(left)).isFalse();
        assertThat(left).doesNotExist();
    }
}
