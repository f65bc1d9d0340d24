package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.executor.ResourceLimits;
import dev.kiln.registry.transport.RegistryHostConfig;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.snapshot.SnapshotterKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How an engine is set up: its state directory, the OCI runtime binary for RUN steps
 * ({@code runc}, or {@code crun}), the most RUN steps that may run at once (0: no limit),
 * registries that may be reached over plain HTTP ({@code --insecure-registry}), the
 * docker-style {@code certs.d} directory of registry CAs and client certificates
 * (default /etc/kiln/certs.d), the garbage collection policy, the cgroup limits of every RUN
 * container, and per-registry settings (pull mirrors, CA files, insecure, plain HTTP).
 *
 * <p>{@code gc} and {@code runLimits} left {@code null} come from the environment as the
 * daemonless CLI uses them: {@link GcPolicy#forStateDir} ({@code KILN_GC_KEEP_STORAGE},
 * {@code KILN_GC_KEEP_DURATION}) and {@link ResourceLimits#fromEnvironment} ({@code KILN_RUN_MEMORY},
 * {@code KILN_RUN_PIDS_LIMIT}, {@code KILN_RUN_CPU_SHARES}); kilnd passes its config file's values.
 *
 * @param registries settings per registry host ({@code docker.io}, {@code registry.lan:5000})
 * @param snapshotter the snapshotter to use whatever the host offers; {@code null} reads
 *     {@code KILN_SNAPSHOTTER} ({@code overlay}, {@code native}; unset or {@code auto}: chosen at
 *     start, see {@link SnapshotterChoice}), so it stays null only for the automatic choice
 */
public record EngineConfig(Path stateDir, String runtime, int maxParallelExec, List<String> insecureRegistries,
                           Path registryCertsDir, GcPolicy gc, ResourceLimits runLimits,
                           Map<String, RegistryHostConfig> registries, SnapshotterKind snapshotter) {
    public EngineConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
        insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
        registryCertsDir = registryCertsDir == null ? RegistryHosts.DEFAULT_CERTS_DIR : registryCertsDir;
        gc = gc == null ? GcPolicy.forStateDir(stateDir) : gc;
        if (runLimits == null) {
            try {
                runLimits = ResourceLimits.fromEnvironment(System.getenv());
            } catch (IllegalArgumentException e) {
                throw new KilnException(e.getMessage(), e);
            }
        }
        registries = registries == null ? Map.of() : Map.copyOf(registries);
        snapshotter = snapshotter != null ? snapshotter : snapshotterFromEnvironment(System.getenv("KILN_SNAPSHOTTER"));
    }

    /** As the canonical constructor, the snapshotter from {@code KILN_SNAPSHOTTER} or chosen at start. */
    public EngineConfig(Path stateDir, String runtime, int maxParallelExec, List<String> insecureRegistries,
                        Path registryCertsDir, GcPolicy gc, ResourceLimits runLimits,
                        Map<String, RegistryHostConfig> registries) {
        this(stateDir, runtime, maxParallelExec, insecureRegistries, registryCertsDir, gc, runLimits, registries, null);
    }

    /** This configuration with the snapshotter forced to {@code kind} (null: from the environment or automatic). */
    public EngineConfig withSnapshotter(SnapshotterKind kind) {
        return new EngineConfig(stateDir, runtime, maxParallelExec, insecureRegistries, registryCertsDir, gc, runLimits,
                registries, kind);
    }

    /** {@code KILN_SNAPSHOTTER}'s kind, or null when it is unset, empty or {@code auto}. */
    static SnapshotterKind snapshotterFromEnvironment(String value) {
        if (value == null || value.isBlank() || value.strip().equalsIgnoreCase("auto")) {
            return null;
        }
        try {
            return SnapshotterKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new KilnException("KILN_SNAPSHOTTER: " + e.getMessage());
        }
    }

    /**
     * The settings of the daemonless CLI: GC policy and RUN limits from the environment, and pull
     * mirrors from {@code KILN_REGISTRY_MIRRORS} (see {@link #mirrorsFromEnvironment}).
     */
    public EngineConfig(Path stateDir, String runtime, int maxParallelExec, List<String> insecureRegistries,
                        Path registryCertsDir) {
        this(stateDir, runtime, maxParallelExec, insecureRegistries, registryCertsDir, null, null,
                mirrorsFromEnvironment(System.getenv("KILN_REGISTRY_MIRRORS")));
    }

    /**
     * Pull mirrors written as {@code KILN_REGISTRY_MIRRORS} holds them: {@code REGISTRY=MIRROR}
     * entries separated by spaces or commas, a registry named again for each further mirror, in
     * the order to try them ({@code docker.io=https://mirror.lan:5000 docker.io=http://cache.lan}).
     * Null or blank: none.
     *
     * @throws KilnException naming the variable when an entry is malformed
     */
    public static Map<String, RegistryHostConfig> mirrorsFromEnvironment(String value) {
        if (value == null || value.isBlank()) {
            return Map.of();
        }
        Map<String, List<String>> mirrors = new java.util.LinkedHashMap<>();
        for (String entry : value.strip().split("[\\s,]+")) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new KilnException("KILN_REGISTRY_MIRRORS: \"" + entry + "\" is not REGISTRY=MIRROR");
            }
            mirrors.computeIfAbsent(entry.substring(0, eq), r -> new java.util.ArrayList<>()).add(entry.substring(eq + 1));
        }
        Map<String, RegistryHostConfig> out = new java.util.LinkedHashMap<>();
        mirrors.forEach((registry, list) -> {
            try {
                out.put(registry, new RegistryHostConfig(list, List.of(), false, false));
            } catch (IllegalArgumentException e) {
                throw new KilnException("KILN_REGISTRY_MIRRORS: " + e.getMessage(), e);
            }
        });
        return out;
    }

    public EngineConfig(Path stateDir, String runtime, int maxParallelExec) {
        this(stateDir, runtime, maxParallelExec, List.of(), null);
    }

    /**
     * The registry settings: plain HTTP allowed for the insecure hosts (and always for
     * loopback), per-registry CAs and client certificates from the certs.d directory, and each
     * registry's configured mirrors, CA files and flags.
     */
    public RegistryHosts registryHosts() {
        RegistryHosts.Builder b = RegistryHosts.builder().certsDir(registryCertsDir);
        insecureRegistries.forEach(b::insecure);
        registries.forEach(b::host);
        return b.build();
    }

    /** The default state dir: {@code KILN_ROOT}, else /var/lib/kiln for root, else ~/.local/share/kiln. */
    public static Path defaultStateDir() {
        String env = System.getenv("KILN_ROOT");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/var/lib/kiln");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "kiln");
    }
}
