package dev.kiln.engine;

import dev.kiln.registry.transport.RegistryHosts;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How an engine is set up: its state directory, the OCI runtime binary for RUN steps
 * ({@code runc}, or {@code crun}), the most RUN steps that may run at once (0: no limit), and
 * registries that may be reached over plain HTTP ({@code --insecure-registry}), and the
 * docker-style {@code certs.d} directory of registry CAs and client certificates
 * (default /etc/kiln/certs.d).
 */
public record EngineConfig(Path stateDir, String runtime, int maxParallelExec, List<String> insecureRegistries,
                           Path registryCertsDir) {
    public EngineConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
        insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
        registryCertsDir = registryCertsDir == null ? RegistryHosts.DEFAULT_CERTS_DIR : registryCertsDir;
    }

    public EngineConfig(Path stateDir, String runtime, int maxParallelExec) {
        this(stateDir, runtime, maxParallelExec, List.of(), null);
    }

    /**
     * The registry settings: plain HTTP allowed for the insecure hosts (and always for
     * loopback), per-registry CAs and client certificates from the certs.d directory.
     */
    public RegistryHosts registryHosts() {
        RegistryHosts.Builder b = RegistryHosts.builder().certsDir(registryCertsDir);
        insecureRegistries.forEach(b::insecure);
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
