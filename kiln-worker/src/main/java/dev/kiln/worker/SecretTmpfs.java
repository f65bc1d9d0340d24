package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.snapshot.Mount;
import dev.kiln.snapshot.Mounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * A tmpfs of one RUN step under {@code STATE/mounts/secrets-<uuid>} (mode 0700, root) that holds
 * what the step is lent but must never keep: secret files and ssh-agent sockets. Nothing in it
 * reaches a disk; closing unmounts it, which discards everything. A tmpfs a killed process left
 * mounted is unmounted by the engine's start-up sweep of {@code STATE/mounts}.
 *
 * <p>Opened lazily by {@link RunMounts} when a step has a secret or ssh mount; one per step, used by
 * one thread.
 */
final class SecretTmpfs implements AutoCloseable {
    private final Mounter mounter;
    private final Path dir;
    private int next;

    private SecretTmpfs(Mounter mounter, Path dir) {
        this.mounter = mounter;
        this.dir = dir;
    }

    /** Mounts a new tmpfs under {@code mountRoot}. */
    static SecretTmpfs open(Mounter mounter, Path mountRoot) throws IOException {
        Path dir = Files.createDirectories(mountRoot.resolve("secrets-" + UUID.randomUUID()));
        try {
            mounter.mount(List.of(new Mount("tmpfs", "kiln-secrets",
                    List.of("nosuid", "nodev", "noexec", "mode=0700", "size=16m"))), dir);
        } catch (RuntimeException e) {
            Files.deleteIfExists(dir);
            throw new KilnException("cannot mount a tmpfs for secrets: " + e.getMessage(), e);
        }
        return new SecretTmpfs(mounter, dir);
    }

    /** Writes {@code content} to a new file owned by {@code uid:gid} with {@code mode}; returns its path. */
    Path file(byte[] content, int mode, int uid, int gid) throws IOException {
        Path f = dir.resolve("secret-" + (next++));
        Files.write(f, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.setAttribute(f, "unix:mode", mode & 07777);
        Files.setAttribute(f, "unix:uid", uid);
        Files.setAttribute(f, "unix:gid", gid);
        return f;
    }

    /** A fresh path in the tmpfs for a socket. */
    Path socketPath() {
        return dir.resolve("ssh-" + (next++) + ".sock");
    }

    @Override
    public void close() {
        try {
            mounter.unmount(dir);
        } catch (RuntimeException e) {
            // the start-up sweep unmounts it
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // an empty directory under mounts/ is harmless
        }
    }
}
