package dev.kiln.engine;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How an engine is set up: its state directory, the OCI runtime binary for RUN steps
 * ({@code runc}, or {@code crun}), and the most RUN steps that may run at once (0: no limit).
 */
public record EngineConfig(Path stateDir, String runtime, int maxParallelExec) {
    public EngineConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
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
