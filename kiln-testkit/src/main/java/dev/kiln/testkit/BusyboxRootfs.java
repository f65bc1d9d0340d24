package dev.kiln.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds a minimal root filesystem offline from Debian's {@code busybox-static} binary, the lab's
 * stand-in for a {@code busybox} base image (there is no Docker Hub here).
 *
 * <p>The tree {@link #create(Path)} writes is:
 * <ul>
 *   <li>{@code /bin/busybox}, copied from {@link #HOST_BUSYBOX} (mode 0755);</li>
 *   <li>one symlink per applet at each path {@code /bin/busybox --list-full} prints
 *       ({@code bin/sh}, {@code usr/bin/id}, {@code sbin/ip}, ...), each a <em>relative</em> link to
 *       {@code /bin/busybox} (e.g. {@code usr/bin/id -> ../../bin/busybox}) so it resolves both inside
 *       a container and from the host;</li>
 *   <li>{@code /etc/passwd}: {@code root} (0:0, home {@code /root}), {@code app} (1000:1000, home
 *       {@code /home/app}), {@code nobody} (65534:65534, home {@code /nonexistent});</li>
 *   <li>{@code /etc/group}: {@code root} 0, {@code staff} 50 (member {@code app}), {@code app} 1000,
 *       {@code nogroup} 65534;</li>
 *   <li>{@code /tmp} (1777), {@code /root} (0700), {@code /home/app} (0755, owned 1000:1000).</li>
 * </ul>
 * There is deliberately no {@code /proc}, {@code /dev}, {@code /sys}, {@code /etc/hosts} or
 * {@code /etc/resolv.conf}: the container runtime provides them, and tests of mount-stub cleanup rely
 * on their absence.
 *
 * <p>Ownership is set with numeric ids, which needs root; when the caller is not root the chown is
 * skipped and the tree is owned by the caller. The API ({@link #create(Path)} and the constants) is
 * stable: other modules' tests depend on it.
 */
public final class BusyboxRootfs {

    /** The host binary the rootfs is made from (Debian package {@code busybox-static}). */
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

    /** uid and gid of the unprivileged user {@code app}. */
    public static final int APP_UID = 1000;

    /** gid of group {@code staff}, a supplementary group of {@code app}. */
    public static final int STAFF_GID = 50;

    /** gid and uid of {@code nobody} / {@code nogroup}. */
    public static final int NOBODY_UID = 65534;

    static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            app:x:1000:1000:app:/home/app:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false
            """;

    static final String GROUP = """
            root:x:0:
            staff:x:50:app
            app:x:1000:
            nogroup:x:65534:
            """;

    private BusyboxRootfs() {}

    /**
     * Writes the rootfs described above into {@code dir} (created if missing; existing files at the
     * same paths are replaced) and returns {@code dir}.
     *
     * @throws UncheckedIOException if the host has no busybox-static or a file cannot be written
     */
    public static Path create(Path dir) {
        try {
            Files.createDirectories(dir);
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path busybox = bin.resolve("busybox");
            Files.copy(HOST_BUSYBOX, busybox, StandardCopyOption.REPLACE_EXISTING);
            setMode(busybox, 0755);
            for (String applet : appletPaths()) {
                if (applet.equals("bin/busybox")) {
                    continue;
                }
                Path link = dir.resolve(applet);
                Files.createDirectories(link.getParent());
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, link.getParent().relativize(busybox));
            }
            Path etc = Files.createDirectories(dir.resolve("etc"));
            Files.writeString(etc.resolve("passwd"), PASSWD, StandardCharsets.UTF_8);
            Files.writeString(etc.resolve("group"), GROUP, StandardCharsets.UTF_8);
            setMode(etc.resolve("passwd"), 0644);
            setMode(etc.resolve("group"), 0644);
            setMode(Files.createDirectories(dir.resolve("tmp")), 01777);
            setMode(Files.createDirectories(dir.resolve("root")), 0700);
            setMode(Files.createDirectories(dir.resolve("home")), 0755);
            Path home = Files.createDirectories(dir.resolve("home/app"));
            setMode(home, 0755);
            chownIfRoot(home, APP_UID, APP_UID);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create busybox rootfs in " + dir, e);
        }
    }

    /** The applet paths (relative, e.g. {@code usr/bin/id}) the host busybox reports. */
    static List<String> appletPaths() throws IOException {
        Process p = new ProcessBuilder(HOST_BUSYBOX.toString(), "--list-full")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(HOST_BUSYBOX + " --list-full failed");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while listing busybox applets", e);
        }
        List<String> paths = new ArrayList<>();
        for (String line : out.split("\n")) {
            String path = line.strip();
            while (path.startsWith("/")) {
                path = path.substring(1);
            }
            if (!path.isEmpty() && !path.contains("..")) {
                paths.add(path);
            }
        }
        return paths;
    }

    private static void setMode(Path path, int mode) throws IOException {
        Files.setAttribute(path, "unix:mode", mode);
    }

    private static void chownIfRoot(Path path, int uid, int gid) throws IOException {
        if (!isRoot()) {
            return;
        }
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", gid);
    }

    private static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }
}
