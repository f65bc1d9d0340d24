package dev.kiln.daemon.config;

import dev.kiln.daemon.DaemonAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * [worker]
 * runtime = "runc"                             # or "crun"
 * max_parallelism = 0                          # RUN steps at once; 0: no limit
 * [registry]
 * insecure = ["registry.local:5000"]           # plain HTTP allowed
 * [daemon]
 * shutdown_grace_seconds = 60                  # how long SIGTERM lets builds finish
 * allowed_entitlements = ["network.host"]     # what clients may --allow (default: none)
 * </pre>
 *
 * @param tls present when TCP listeners use mutual TLS
 */
public record KilndConfig(Path root, List<DaemonAddress> addresses, String socketGroup, boolean insecureTcp, Tls tls,
                          String runtime, int maxParallelism, List<String> insecureRegistries, Duration shutdownGrace,
                          Set<String> allowedEntitlements) {
    public static final Path DEFAULT_FILE = Path.of("/etc/kiln/kilnd.toml");
    private static final Set<String> KEYS = Set.of("root", "grpc.address", "grpc.group", "grpc.insecure_tcp", "grpc.tls.cert",
            "grpc.tls.key", "grpc.tls.ca", "worker.runtime", "worker.max_parallelism", "registry.insecure",
            "daemon.shutdown_grace_seconds", "daemon.allowed_entitlements");

    /** A server certificate and key, and the CA that client certificates must chain to. */
    public record Tls(Path cert, Path key, Path ca) {
        public Tls {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(ca, "ca");
        }
    }

    public KilndConfig {
        Objects.requireNonNull(root, "root");
        addresses = List.copyOf(addresses);
        insecureRegistries = List.copyOf(insecureRegistries);
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
        shutdownGrace = shutdownGrace == null ? Duration.ofSeconds(60) : shutdownGrace;
        allowedEntitlements = allowedEntitlements == null ? Set.of() : Set.copyOf(allowedEntitlements);
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
        Map<String, Object> m = TomlSubset.parse(text);
        for (String k : m.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown setting \"" + k + "\"");
            }
        }
        KilndConfig d = defaults();
        Path root = m.containsKey("root") ? Path.of(string(m, "root")) : d.root();
        List<DaemonAddress> addrs = m.containsKey("grpc.address")
                ? strings(m, "grpc.address").stream().map(DaemonAddress::parse).toList() : d.addresses();
        String gid = m.containsKey("grpc.group") ? String.valueOf(m.get("grpc.group")) : null;
        boolean insecure = m.containsKey("grpc.insecure_tcp") && bool(m, "grpc.insecure_tcp");
        Tls tls = null;
        if (m.containsKey("grpc.tls.cert") || m.containsKey("grpc.tls.key") || m.containsKey("grpc.tls.ca")) {
            if (!m.containsKey("grpc.tls.cert") || !m.containsKey("grpc.tls.key") || !m.containsKey("grpc.tls.ca")) {
                throw new IllegalArgumentException("[grpc.tls] needs cert, key and ca (clients are always verified)");
            }
            tls = new Tls(Path.of(string(m, "grpc.tls.cert")), Path.of(string(m, "grpc.tls.key")),
                    Path.of(string(m, "grpc.tls.ca")));
        }
        String runtime = m.containsKey("worker.runtime") ? string(m, "worker.runtime") : d.runtime();
        if (!runtime.equals("runc") && !runtime.equals("crun")) {
            throw new IllegalArgumentException("worker.runtime must be \"runc\" or \"crun\", not \"" + runtime + "\"");
        }
        int par = m.containsKey("worker.max_parallelism") ? (int) number(m, "worker.max_parallelism") : 0;
        List<String> insecureRegs = m.containsKey("registry.insecure") ? strings(m, "registry.insecure") : List.of();
        Duration grace = m.containsKey("daemon.shutdown_grace_seconds")
                ? Duration.ofSeconds(number(m, "daemon.shutdown_grace_seconds")) : d.shutdownGrace();
        Set<String> allowed = m.containsKey("daemon.allowed_entitlements")
                ? Set.copyOf(strings(m, "daemon.allowed_entitlements")) : Set.of();
        return new KilndConfig(root, addrs, gid, insecure, tls, runtime, par, insecureRegs, grace, allowed);
    }

    public KilndConfig withRoot(Path r) {
        return new KilndConfig(r, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements);
    }

    public KilndConfig withAddresses(List<DaemonAddress> a) {
        return new KilndConfig(root, a, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements);
    }

    public KilndConfig withTls(Tls t, boolean insecure) {
        return new KilndConfig(root, addresses, socketGroup, insecure, t, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements);
    }

    public KilndConfig withSocketGroup(String g) {
        return new KilndConfig(root, addresses, g, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements);
    }

    public KilndConfig withRuntime(String r) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, r, maxParallelism,
                insecureRegistries, shutdownGrace, allowedEntitlements);
    }

    public KilndConfig withAllowedEntitlements(Set<String> e) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, shutdownGrace, e);
    }

    public KilndConfig withShutdownGrace(Duration g) {
        return new KilndConfig(root, addresses, socketGroup, insecureTcp, tls, runtime, maxParallelism,
                insecureRegistries, g, allowedEntitlements);
    }

    private static String string(Map<String, Object> m, String k) {
        if (m.get(k) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(k + " must be a string");
    }

    private static long number(Map<String, Object> m, String k) {
        if (m.get(k) instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
            return l;
        }
        throw new IllegalArgumentException(k + " must be a non-negative integer");
    }

    private static boolean bool(Map<String, Object> m, String k) {
        if (m.get(k) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(k + " must be true or false");
    }

    private static List<String> strings(Map<String, Object> m, String k) {
        Object v = m.get(k);
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            out.add(s);
            return out;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException(k + " must be a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException(k + " must be a list of strings");
    }
}
