package dev.kiln.executor;

import java.util.List;
import java.util.Objects;

/**
 * What to run in a container for one RUN step.
 *
 * @param args the command and its arguments; not empty
 * @param env {@code KEY=value} entries; {@code PATH} and {@code HOME} are added when missing
 * @param cwd absolute working directory; created (root, 0755) when missing, as BuildKit does
 * @param user {@code name|uid[:group|gid]}, resolved through the rootfs's /etc/passwd and /etc/group;
 *     empty or {@code null} means {@code "0"} (root, found by uid, so a rootfs without /etc/passwd works)
 * @param hostname the container's hostname; {@code null} means {@link #DEFAULT_HOSTNAME}
 * @param network the network namespace to use
 * @param insecure all capabilities, no masked or read-only paths, writable /sys ({@code RUN --security=insecure})
 * @param mounts extra mounts, applied after the standard ones in order
 * @param secretEnv {@code KEY=value} entries added to the environment last ({@code RUN --mount=type=secret,env=});
 *     the executor keeps every file that holds them on a tmpfs, so they never reach a disk, and never logs them
 */
public record ProcessSpec(List<String> args, List<String> env, String cwd, String user, String hostname,
                          NetworkMode network, boolean insecure, List<MountSpec> mounts, List<String> secretEnv) {

    /** The hostname used when none is given. */
    public static final String DEFAULT_HOSTNAME = "kiln";

    public ProcessSpec {
        args = List.copyOf(args);
        env = List.copyOf(env);
        mounts = List.copyOf(mounts);
        secretEnv = secretEnv == null ? List.of() : List.copyOf(secretEnv);
        Objects.requireNonNull(network, "network");
        if (args.isEmpty()) {
            throw new IllegalArgumentException("process args must not be empty");
        }
        if (cwd == null || cwd.isEmpty()) {
            cwd = "/";
        }
        if (!cwd.startsWith("/")) {
            throw new IllegalArgumentException("cwd must be absolute: " + cwd);
        }
        if (user == null || user.isEmpty()) {
            user = "0";
        }
        if (hostname == null || hostname.isEmpty()) {
            hostname = DEFAULT_HOSTNAME;
        }
        for (String e : env) {
            if (!e.contains("=")) {
                throw new IllegalArgumentException("env entry must be KEY=value: " + e);
            }
        }
        for (String e : secretEnv) {
            if (e.indexOf('=') <= 0) {
                throw new IllegalArgumentException("secret env entry must be KEY=value");
            }
        }
    }

    /** A process without secret environment variables. */
    public ProcessSpec(List<String> args, List<String> env, String cwd, String user, String hostname,
                       NetworkMode network, boolean insecure, List<MountSpec> mounts) {
        this(args, env, cwd, user, hostname, network, insecure, mounts, List.of());
    }

    /** A process running {@code args} as root in {@code /} with the given env and default everything else. */
    public static ProcessSpec of(List<String> args, List<String> env) {
        return new ProcessSpec(args, env, "/", "0", null, NetworkMode.DEFAULT, false, List.of());
    }

    /** The same process with secret environment variables. */
    public ProcessSpec withSecretEnv(List<String> entries) {
        return new ProcessSpec(args, env, cwd, user, hostname, network, insecure, mounts, entries);
    }

    /** Omits the values of {@link #secretEnv} so that a spec printed in a log or an error reveals none. */
    @Override
    public String toString() {
        return "ProcessSpec[args=" + args + ", env=" + env + ", cwd=" + cwd + ", user=" + user + ", hostname=" + hostname
                + ", network=" + network + ", insecure=" + insecure + ", mounts=" + mounts + ", secretEnv="
                + secretEnv.stream().map(e -> e.substring(0, e.indexOf('=')) + "=***").toList() + "]";
    }
}
