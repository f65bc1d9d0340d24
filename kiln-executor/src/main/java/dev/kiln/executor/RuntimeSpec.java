package dev.kiln.executor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Generates the OCI runtime spec ({@code config.json}, spec 1.0.2) for one RUN step, with Docker's
 * and BuildKit's defaults: mount, pid, ipc and uts namespaces (and a network namespace for
 * {@link NetworkMode#NONE}, whose loopback runc brings up); /proc, a tmpfs /dev with /dev/pts,
 * /dev/shm and /dev/mqueue, a read-only /sys and cgroup tree; the bind-mounted hosts and resolv.conf;
 * Docker's default capabilities in the bounding, effective and permitted sets; Docker's masked and
 * read-only paths; RLIMIT_NOFILE capped at the caller's hard limit; a device cgroup that denies all
 * but the runtime's standard devices; no_new_privs; and the {@link SeccompProfile} filter.
 * {@code insecure} gives every capability, no masked or read-only paths, a writable /sys, no seccomp
 * filter and no no_new_privs. No AppArmor profile is applied (Debian's runc hosts rarely load one).
 * Secret environment entries come last in {@code process.env}. In a user namespace (rootless Kiln)
 * /sys is the engine's, bound read-only, and no device cgroup is asked for (runc cannot set one there).
 * The host's {@code resources} (memory, pids and cpu limits from {@link ResourceLimits}) join the
 * device rules in {@code linux.resources}.
 *
 * <p>The result is a tree of maps and lists for Jackson to write. Pure function of its inputs.
 */
final class RuntimeSpec {

    static final List<String> MASKED_PATHS = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Inputs that are not part of the {@link ProcessSpec}. */
    record Host(Path hostsFile, Path resolvConfFile, long nofile, List<String> allCapabilities, Optional<String> cgroupsPath,
                boolean userNamespace, Map<String, Object> resources) {
        Host {
            resources = Map.copyOf(resources);
        }

        /** A host in the initial user namespace, without resource limits. */
        Host(Path hostsFile, Path resolvConfFile, long nofile, List<String> allCapabilities, Optional<String> cgroupsPath) {
            this(hostsFile, resolvConfFile, nofile, allCapabilities, cgroupsPath, false, Map.of());
        }

        /** A host without resource limits. */
        Host(Path hostsFile, Path resolvConfFile, long nofile, List<String> allCapabilities, Optional<String> cgroupsPath,
             boolean userNamespace) {
            this(hostsFile, resolvConfFile, nofile, allCapabilities, cgroupsPath, userNamespace, Map.of());
        }
    }

    private RuntimeSpec() {}

    /** The destinations of every mount the spec will contain, standard ones first. */
    static List<String> mountDestinations(ProcessSpec process) {
        List<String> d = new ArrayList<>(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                "/sys/fs/cgroup", "/etc/hosts", "/etc/resolv.conf"));
        process.mounts().forEach(m -> d.add(m.destination()));
        return d;
    }

    /** The environment with PATH and HOME added when missing. */
    static List<String> environment(List<String> env, ContainerUser user) {
        return environment(env, List.of(), user);
    }

    /** The environment with PATH and HOME added when missing, then the secret entries. */
    static List<String> environment(List<String> env, List<String> secretEnv, ContainerUser user) {
        List<String> out = new ArrayList<>(env);
        if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
            out.add("PATH=" + DEFAULT_PATH);
        }
        if (env.stream().noneMatch(e -> e.startsWith("HOME="))) {
            out.add("HOME=" + user.home());
        }
        out.addAll(secretEnv);
        return out;
    }

    static Map<String, Object> build(Path rootfs, ProcessSpec process, ContainerUser user, Host host) {
        List<String> caps = process.insecure() ? host.allCapabilities() : Capabilities.DOCKER_DEFAULT;
        Map<String, Object> userMap = new LinkedHashMap<>();
        userMap.put("uid", user.uid());
        userMap.put("gid", user.gid());
        if (!user.additionalGids().isEmpty()) {
            userMap.put("additionalGids", user.additionalGids());
        }
        Map<String, Object> proc = new LinkedHashMap<>();
        proc.put("terminal", false);
        proc.put("user", userMap);
        proc.put("args", process.args());
        proc.put("env", environment(process.env(), process.secretEnv(), user));
        proc.put("cwd", process.cwd());
        proc.put("capabilities", Map.of("bounding", caps, "effective", caps, "permitted", caps));
        proc.put("rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "hard", host.nofile(), "soft", host.nofile())));
        proc.put("noNewPrivileges", !process.insecure());

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", "1.0.2");
        spec.put("process", proc);
        spec.put("root", Map.of("path", rootfs.toAbsolutePath().toString(), "readonly", false));
        spec.put("hostname", process.hostname());
        spec.put("mounts", mounts(process, host));
        spec.put("linux", linux(process, host));
        return spec;
    }

    private static List<Map<String, Object>> mounts(ProcessSpec process, Host host) {
        String sysMode = process.insecure() ? "rw" : "ro";
        List<Map<String, Object>> m = new ArrayList<>();
        m.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        m.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        m.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        if (host.userNamespace()) {
            // rootless: sysfs and cgroup may only be mounted by the owner of the network namespace and the
            // cgroup namespace; bind the engine's /sys (with its cgroup tree) read-only instead, as rootless runc does
            m.add(mount("/sys", "bind", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
        } else {
            m.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)));
            m.add(mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", sysMode)));
        }
        m.add(mount("/etc/hosts", "bind", host.hostsFile().toString(), List.of("rbind", "ro")));
        m.add(mount("/etc/resolv.conf", "bind", host.resolvConfFile().toString(), List.of("rbind", "ro")));
        for (MountSpec extra : process.mounts()) {
            m.add(mount(extra.destination(), extra.type(), extra.source(), extra.options()));
        }
        return m;
    }

    private static Map<String, Object> mount(String destination, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }

    private static Map<String, Object> linux(ProcessSpec process, Host host) {
        List<Map<String, Object>> namespaces = new ArrayList<>();
        for (String ns : List.of("pid", "ipc", "uts", "mount")) {
            namespaces.add(Map.of("type", ns));
        }
        if (process.network().isolated()) {
            namespaces.add(Map.of("type", "network"));
        }
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", namespaces);
        linux.put("maskedPaths", process.insecure() ? List.of() : MASKED_PATHS);
        linux.put("readonlyPaths", process.insecure() ? List.of() : READONLY_PATHS);
        host.cgroupsPath().ifPresent(p -> linux.put("cgroupsPath", p));
        if (!process.insecure()) {
            linux.put("seccomp", SeccompProfile.spec());
        }
        Map<String, Object> resources = new LinkedHashMap<>();
        if (!host.userNamespace()) {
            resources.put("devices", List.of(Map.of("allow", process.insecure(), "access", "rwm")));
        }
        resources.putAll(host.resources());
        if (!resources.isEmpty()) {
            linux.put("resources", resources);
        }
        return linux;
    }
}
