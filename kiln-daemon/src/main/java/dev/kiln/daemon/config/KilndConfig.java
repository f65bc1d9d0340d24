package dev.kiln.daemon.config;

import dev.kiln.daemon.DaemonAddress;
import dev.kiln.engine.GcPolicy;
import dev.kiln.executor.ResourceLimits;
import dev.kiln.registry.transport.RegistryHostConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How kilnd runs, read from {@code /etc/kiln/kilnd.toml} and overridden by flags:
 *
 * <pre>
 * root = "/var/lib/kiln"                      # state dir
 * [grpc]
 * address = ["unix:///run/kiln/kilnd.sock", "tcp://0.0.0.0:1234"]
 * group = "kiln"                              # group of the unix sockets (name or number; mode 0660)
 * insecure_tcp = false                         # allow TCP without TLS (prints a warning)
 * [grpc.tls]
 * cert = "/etc/kiln/tls/server.pem"          # TCP listeners use mutual TLS:
 * key = "/etc/kiln/tls/server-key.pem"        # clients must present a certificate
 * ca = "/etc/kiln/tls/ca.pem"                 # signed by this CA
 * [gc]
 * enabled = true                               # false: never collect
 * keep_storage = "10GB"                        # default: 10% of the state dir's file system (2-100 GB)
 * keep_duration = "48h"                        # records unused this long may go (default: age does not matter)
 * interval = "1h"                              # also collect this often while idle ("0": only after builds)
 * [worker]
 * runtime = "runc"                             # or "crun"
 * max_parallelism = 0                          # RUN steps at once; 0: no limit
 * memory = "2GB"                               # cgroup limits of every RUN container (default: none)
 * pids_limit = 4096
 * cpu_shares = 1024
 * [registry]
 * insecure = ["registry.local:5000"]           # no certificate checks, plain HTTP allowed
 * certs_dir = "/etc/kiln/certs.d"              # docker's layout: HOST[:PORT]/ca.crt, client.cert + client.key
 * [registry."docker.io"]                       # one table per registry host; quote names with dots or ports
 * mirrors = ["https://mirror.local:5000"]      # pulls try these first (same repository path), never pushes
 * ca = ["/etc/kiln/mirror-ca.pem"]             # CA files for this host, besides certs_dir
 * insecure = false                             # this host without certificate checks
 * http = false                                 # this host speaks plain HTTP only
 * [daemon]
 * shutdown_grace_seconds = 60                  # how long SIGTERM lets builds finish
 * allowed_entitlements = ["network.host"]     # what clients may --allow (default: none)
 * </pre>
 *
 * <p>Sizes are strings such as {@code "512MB"} or {@code "10GB"} (powers of 1024) or integers
 * (bytes); durations are strings such as {@code "90s"}, {@code "48h"}, {@code "7d"}. A mirror
 * reached over TLS with a private CA gets its own table with {@code ca}
 * ({@code [registry."mirror.local:5000"]}). Unknown settings are errors, with their line.
 *
 * @param tls        present when TCP listeners use mutual TLS
 * @param gc         the {@code [gc]} table as written; {@link #gcPolicy} resolves its defaults
 * @param runLimits  cgroup limits of every RUN container
 * @param registryCertsDir docker-style certs.d directory; null: /etc/kiln/certs.d
 * @param registries the {@code [registry."HOST"]} tables
 */
public record KilndConfig(Path root, List<DaemonAddress> addresses, String socketGroup, boolean insecureTcp, Tls tls,
                          String runtime, int maxParallelism, List<String> insecureRegistries, Duration shutdownGrace,
                          Set<String> allowedEntitlements, Gc gc, ResourceLimits runLimits, Path registryCertsDir,
                          Map<String, RegistryHostConfig> registries) {
    public static final Path DEFAULT_FILE = Path.of("/etc/kiln/kilnd.toml");
    /** How often kilnd collects garbage while idle unless {@code [gc] interval} says otherwise. */
    public static final Duration DEFAULT_GC_INTERVAL = Duration.ofHours(1);

    /** A server certificate and key, and the CA that client certificates must chain to. */
    public record Tls(Path cert, Path key, Path ca) {
        public Tls {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(ca, "ca");
        }
    }

    /**
     * The {@code [gc]} table as written.
     *
     * @param keepStorage bytes, or null for the default (10% of the state dir's file system) when
     *                    no {@code keep_duration} is set either
     */
    public record Gc(boolean enabled, Long keepStorage, Duration keepDuration, Duration interval) {
        /** The default: on, default cap, collected after builds and hourly. */
        public static final Gc DEFAULT = new Gc(true, null, Duration.ZERO, DEFAULT_GC_INTERVAL);

        public Gc {
            keepDuration = keepDuration == null ? Duration.ZERO : keepDuration;
            interval = interval == null ? DEFAULT_GC_INTERVAL : interval;
            // validated by the policy it makes
            new GcPolicy(keepStorage == null ? 0 : keepStorage, keepDuration, interval);
        }

        /** The engine's policy for a state dir at {@code root}. */
        public GcPolicy policyFor(Path root) {
            if (!enabled) {
                return GcPolicy.DISABLED;
            }
            long cap = keepStorage != null ? keepStorage : keepDuration.isZero() ? GcPolicy.defaultKeepStorage(root) : 0;
            return new GcPolicy(cap, keepDuration, interval);
        }
    }

    public KilndConfig {
        Objects.requireNonNull(root, "root");
        addresses = List.copyOf(addresses);
        insecureRegistries = List.copyOf(insecureRegistries);
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
        shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(60) : shutdownGrace;
        allowedEntitlements = allowedEntitlements == null ? Set.of() : Set.copyOf(allowedEntitlements);
        gc = gc == null ? Gc.DEFAULT : gc;
        runLimits = runLimits == null ? ResourceLimits.NONE : runLimits;
        registries = registries == null ? Map.of() : Map.copyOf(registries);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("kilnd needs at least one address to listen on");
        }
        for (DaemonAddress a : addresses) {
            if (!a.isUnix() && tls == null && !insecureTcp) {
                throw new IllegalArgumentException("refusing to listen on " + a + " without TLS: set [grpc.tls] "
                        + "cert, key and ca (or --tlscert/--tlskey/--tlscacert), or allow it with --insecure-tcp");
            }
        }
    }

    /** The settings of earlier versions (no GC, limit or per-registry settings: their defaults). */
    public KilndConfig(Path root, List<DaemonAddress> addresses, String socketGroup, boolean insecureTcp, Tls tls,
                       String runtime, int maxParallelism, List<String> insecureRegistries, Duration shutdownGrace,
                       Set<String> allowedEntitlements) {
        this(root, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism, insecureRegistries, shutdownGrace,
                allowedEntitlements, null, null, null, null);
    }

    /** The defaults: state in /var/lib/kiln, one unix socket at /run/kiln/kilnd.sock. */
    public static KilndConfig defaults() {
        return new KilndConfig(Path.of("/var/lib/kiln"), List.of(DaemonAddress.parse(DaemonAddress.DEFAULT)), null, false,
                null, "runc", 0, List.of(), Duration.ofSeconds(60), Set.of());
    }

    /** Reads {@code file} over the defaults; a missing file gives the defaults. */
    public static KilndConfig load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return defaults();
        }
        try {
            return fromToml(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** The config a kilnd.toml text describes (unknown keys are errors, to catch typos). */
    public static KilndConfig fromToml(String text) {
        return KilndToml.read(TomlSubset.parseWithLines(text), defaults());
    }

    /** The GC policy for this daemon's state dir. */
    public GcPolicy gcPolicy() {
        return gc.policyFor(root);
    }

    public KilndConfig withRoot(Path r) {
        return new KilndConfig(r, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements, gc, runLimits, registryCertsDir, registries);
    }

    public KilndConfig withAddresses(List<DaemonAddress> a) {
        return withListeners(a, tls, insecureTcp);
    }

    public KilndConfig withTls(Tls t, boolean insecure) {
        return withListeners(addresses, t, insecure);
    }

    /** New addresses and TLS settings, checked together (TCP needs TLS or {@code insecure}). */
    public KilndConfig withListeners(List<DaemonAddress> a, Tls t, boolean insecure) {
        return new KilndConfig(root, a, socketGroup, insecure, t, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements, gc, runLimits, registryCertsDir, registries);
    }

    public KilndConfig withSocketGroup(String g) {
        return new KilndConfig(root, addresses, g, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements, gc, runLimits, registryCertsDir, registries);
    }

    public KilndConfig withRuntime(String r) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, r, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements, gc, runLimits, registryCertsDir, registries);
    }

    public KilndConfig withAllowedEntitlements(Set<String> e) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, e, gc, runLimits, registryCertsDir, registries);
    }

    public KilndConfig withShutdownGrace(Duration g) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, g, allowedEntitlements, gc, runLimits, registryCertsDir, registries);
    }

    public KilndConfig withRunLimits(ResourceLimits limits) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements, gc, limits, registryCertsDir, registries);
    }
}
