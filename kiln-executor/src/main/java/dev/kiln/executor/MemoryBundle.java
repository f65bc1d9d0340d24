package dev.kiln.executor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Puts a bundle directory on its own tmpfs (mode 0700) for a run whose {@code config.json} holds
 * secret environment variables, so that the file never reaches a disk; unmounting discards it. Uses
 * mount(8) and umount(8) from util-linux, which need CAP_SYS_ADMIN in the caller's mount namespace
 * (root, or the owner of a user namespace with its own mount namespace).
 *
 * <p>Not thread-safe per instance; one instance per run, closed by the run that made it.
 */
final class MemoryBundle implements AutoCloseable {

    private final Path dir;

    private MemoryBundle(Path dir) {
        this.dir = dir;
    }

    /** Mounts a small tmpfs on the existing, empty directory {@code dir}. */
    static MemoryBundle mount(Path dir) throws IOException, InterruptedException {
        run(List.of("mount", "-t", "tmpfs", "-o", "mode=0700,size=8m,nosuid,nodev,noexec", "kiln-bundle", dir.toString()));
        return new MemoryBundle(dir);
    }

    /**
     * Unmounts (lazily) and removes every directory under {@code root}: the tmpfs bundles a killed
     * engine left mounted. Only for a state dir no running executor uses.
     */
    static void sweep(Path root) throws IOException {
        java.util.List<Path> dirs;
        try (var s = java.nio.file.Files.list(root)) {
            dirs = s.toList();
        }
        for (Path d : dirs) {
            try {
                run(List.of("umount", "-l", d.toString()));
            } catch (ExecutorException | InterruptedException e) {
                // not mounted
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try (var walk = java.nio.file.Files.walk(d)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // left for the next sweep
            }
        }
    }

    /** Unmounts the tmpfs (lazily if still busy), discarding everything in it. */
    @Override
    public void close() throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            run(List.of("umount", "-l", dir.toString()));
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new ExecutorException(command.getFirst() + " of a tmpfs bundle did not finish");
        }
        if (p.exitValue() != 0) {
            throw new ExecutorException("cannot " + command.getFirst() + " a tmpfs for a bundle with secrets: "
                    + new String(out, StandardCharsets.UTF_8).strip());
        }
    }
}
