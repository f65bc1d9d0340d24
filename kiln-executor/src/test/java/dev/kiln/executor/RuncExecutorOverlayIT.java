package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testkit.BusyboxRootfs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RUN step over a real overlay mount, the way the worker uses the executor: the upper dir after
 * the run must hold exactly what the command wrote — no hosts/resolv.conf/proc/dev/sys stubs and no
 * stub parents of bind mounts. The one extra entry is /etc, copied up when runc created the
 * /etc/hosts stub in it: overlayfs cannot undo a copy-up, so its metadata must equal the lower's. Mounts with mount(8) so this module needs nothing but runc; needs root.
 */
@Timeout(120)
class RuncExecutorOverlayIT {

    @TempDir
    Path tmp;

    @Test
    void upperDirHoldsOnlyWhatTheRunWrote() throws Exception {
        Path lower = BusyboxRootfs.create(tmp.resolve("lower"));
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path merged = Files.createDirectories(tmp.resolve("merged"));
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        exec("mount", "-t", "overlay", "overlay", "-o",
                "index=off,redirect_dir=off,metacopy=off,lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work,
                merged.toString());
        try {
            var out = new ByteArrayOutputStream();
            ProcessSpec spec = new ProcessSpec(List.of("/bin/sh", "-c", "echo built > /root/result; ls /cache >/dev/null; cat /etc/hosts >/dev/null"),
                    List.of(), "/", "0", null, NetworkMode.NONE, false,
                    List.of(MountSpec.bind(cache.toString(), "/var/cache/build", false), MountSpec.bind(cache.toString(), "/cache", true)));
            ExitStatus status = new RuncExecutor(tmp.resolve("state")).run("overlay-run", merged, spec, out, out);
            assertThat(status.code()).as(out.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            exec("umount", merged.toString());
        }
        List<String> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(upper)) {
            walk.filter(p -> !p.equals(upper)).forEach(p -> entries.add(upper.relativize(p).toString()));
        }
        assertThat(entries).containsExactlyInAnyOrder("etc", "root", "root/result");
        for (String attr : List.of("unix:mode", "unix:uid", "unix:gid", "lastModifiedTime")) {
            assertThat(Files.getAttribute(upper.resolve("etc"), attr)).as(attr).isEqualTo(Files.getAttribute(lower.resolve("etc"), attr));
        }
        assertThat(upper.resolve("root/result")).hasContent("built");
    }

    private static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
    }
}
