package dev.kiln.cli;

import dev.kiln.common.KilnException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Rootless Kiln: when {@code kiln build} runs as an unprivileged user, re-executes this very JVM
 * command inside a new user and mount namespace in which the user is root and their subordinate ids
 * ({@code /etc/subuid}, {@code /etc/subgid}) are ids 1..N, the way rootlesskit and buildah set up
 * theirs. The namespace is made by util-linux {@code unshare} (2.38 or later, which writes the id
 * maps through the setuid {@code newuidmap}/{@code newgidmap} of Debian's {@code uidmap}); inside it
 * the engine mounts overlayfs with {@code userxattr} (or, where overlayfs cannot be mounted in a user
 * namespace, falls back to the copying snapshotter and says so), tmpfs and binds, and runc runs containers
 * without touching the host's cgroups. The state dir defaults to {@code ~/.local/share/kiln}
 * (passed as {@code KILN_ROOT}, since inside the namespace the user looks like root).
 *
 * <p>The child inherits stdin, stdout and stderr; its exit code is the command's. A host that lacks
 * something gets a {@link KilnException} naming every missing piece. {@code KILN_ROOTLESS=0} turns the
 * re-execution off (the command then runs unprivileged and fails at its first mount).
 */
final class RootlessLauncher {
    /** Set in the child's environment; its presence means "already inside the namespace". */
    static final String MARKER = "KILN_ROOTLESS";
    /** How many subordinate ids the namespace needs at least: uids and gids up to 65535, as image files use. */
    static final long MIN_IDS = 65536;

    private RootlessLauncher() {}

    /** A subordinate id range of /etc/subuid or /etc/subgid. */
    record Range(long start, long count) {}

    /**
     * Re-executes the current command in a user namespace when this process is not root and not
     * already inside one; returns the child's exit code, or empty when the command should run here.
     */
    static OptionalInt reexecIfNeeded() throws InterruptedException {
        String marker = System.getenv(MARKER);
        if (effectiveUid() == 0 || marker != null) {   // KILN_ROOTLESS=0 or =1: run here
            return OptionalInt.empty();
        }
        String user = System.getProperty("user.name");
        long uid = effectiveUid();
        List<String> missing = new ArrayList<>();
        Optional<Range> subuid = range(Path.of("/etc/subuid"), user, uid);
        Optional<Range> subgid = range(Path.of("/etc/subgid"), user, uid);
        if (subuid.isEmpty()) {
            missing.add("a line \"" + user + ":START:65536\" in /etc/subuid (at least " + MIN_IDS + " ids)");
        }
        if (subgid.isEmpty()) {
            missing.add("a line \"" + user + ":START:65536\" in /etc/subgid (at least " + MIN_IDS + " ids)");
        }
        for (String tool : List.of("newuidmap", "newgidmap")) {
            if (which(tool).isEmpty()) {
                missing.add(tool + " (Debian package uidmap)");
            }
        }
        if (which("unshare").isEmpty()) {
            missing.add("unshare (util-linux 2.38 or later)");
        }
        if (which("runc").isEmpty()) {
            missing.add("runc");
        }
        if (userNamespacesDisabled()) {
            missing.add("unprivileged user namespaces (sysctl user.max_user_namespaces > 0, "
                    + "kernel.unprivileged_userns_clone=1)");
        }
        if (!missing.isEmpty()) {
            throw new KilnException("kiln runs rootless as " + user + " only with: " + String.join("; ", missing)
                    + ". Missing here, so run it as root or add them.");
        }
        List<String> command = new ArrayList<>(List.of("unshare", "--map-root-user",
                "--map-users=" + subuid.get().start() + ",1," + subuid.get().count(),
                "--map-groups=" + subgid.get().start() + ",1," + subgid.get().count(),
                "--mount", "--propagation", "private", "--"));
        command.addAll(currentCommand());
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put(MARKER, "1");
        String root = System.getenv("KILN_ROOT");
        if (root == null || root.isEmpty()) {
            pb.environment().put("KILN_ROOT",
                    Path.of(System.getProperty("user.home"), ".local", "share", "kiln").toString());
        }
        try {
            Process p = pb.start();
            try {
                return OptionalInt.of(p.waitFor());
            } catch (InterruptedException e) {
                p.destroy();
                throw e;
            }
        } catch (IOException e) {
            throw new KilnException("cannot start the rootless engine with unshare: " + e.getMessage(), e);
        }
    }

    /** This JVM's command line: the java binary, its options and the main class with its arguments. */
    static List<String> currentCommand() {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> cmd = new ArrayList<>();
        cmd.add(info.command().orElseThrow(() -> new KilnException("cannot find this process's java binary")));
        cmd.addAll(List.of(info.arguments().orElseThrow(() -> new KilnException("cannot read this process's arguments"))));
        return cmd;
    }

    /** The first range of {@code user} (by name or uid) with at least {@link #MIN_IDS} ids in a subid file. */
    static Optional<Range> range(Path file, String user, long uid) {
        try {
            return range(Files.readAllLines(file), user, uid);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<Range> range(List<String> lines, String user, long uid) {
        for (String line : lines) {
            String[] f = line.strip().split(":");
            if (f.length != 3 || !(f[0].equals(user) || f[0].equals(Long.toString(uid)))) {
                continue;
            }
            try {
                long start = Long.parseLong(f[1]);
                long count = Long.parseLong(f[2]);
                if (count >= MIN_IDS) {
                    return Optional.of(new Range(start, count));
                }
            } catch (NumberFormatException e) {
                // a malformed line: look further
            }
        }
        return Optional.empty();
    }

    /** The effective uid, from /proc/self/status. */
    static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }

    private static boolean userNamespacesDisabled() {
        return readNumber(Path.of("/proc/sys/user/max_user_namespaces")).map(n -> n == 0).orElse(false)
                || readNumber(Path.of("/proc/sys/kernel/unprivileged_userns_clone")).map(n -> n == 0).orElse(false);
    }

    private static Optional<Long> readNumber(Path p) {
        try {
            return Optional.of(Long.parseLong(Files.readAllLines(p).getFirst().strip()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
