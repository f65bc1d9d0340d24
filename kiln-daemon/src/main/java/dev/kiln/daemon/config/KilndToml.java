package dev.kiln.daemon.config;

import dev.kiln.daemon.DaemonAddress;
import dev.kiln.executor.ResourceLimits;
import dev.kiln.registry.transport.RegistryHostConfig;
import dev.kiln.worker.gc.PruneOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a parsed kilnd.toml ({@link TomlSubset.Document}) into a {@link KilndConfig}: checks
 * every key against the settings kilnd knows (an unknown one is an error naming its line),
 * checks each value's type, and fills in defaults. The settings are listed in
 * {@link KilndConfig}'s documentation. Stateless.
 */
final class KilndToml {
    private static final Set<String> KEYS = Set.of("root", "grpc.address", "grpc.group", "grpc.insecure_tcp",
            "grpc.tls.cert", "grpc.tls.key", "grpc.tls.ca", "gc.enabled", "gc.keep_storage", "gc.keep_duration",
            "gc.interval", "worker.runtime", "worker.max_parallelism", "worker.memory", "worker.pids_limit",
            "worker.cpu_shares", "registry.insecure", "registry.certs_dir", "daemon.shutdown_grace_seconds",
            "daemon.allowed_entitlements");
    /** The settings of a {@code [registry."HOST"]} table. */
    private static final Set<String> HOST_KEYS = Set.of("mirrors", "ca", "insecure", "http");

    private final TomlSubset.Document doc;
    private final Map<String, Object> m;

    private KilndToml(TomlSubset.Document doc) {
        this.doc = doc;
        this.m = doc.values();
    }

    static KilndConfig read(TomlSubset.Document doc, KilndConfig d) {
        return new KilndToml(doc).read(d);
    }

    private KilndConfig read(KilndConfig d) {
        Map<String, Map<String, Object>> hostTables = new LinkedHashMap<>();
        for (String k : m.keySet()) {
            if (KEYS.contains(k)) {
                continue;
            }
            List<String> seg = TomlSubset.segments(k);
            if (seg.size() == 3 && seg.get(0).equals("registry") && HOST_KEYS.contains(seg.get(2))) {
                hostTables.computeIfAbsent(seg.get(1), h -> new LinkedHashMap<>()).put(seg.get(2), m.get(k));
                continue;
            }
            String hint = seg.size() > 3 && seg.get(0).equals("registry")
                    ? " (quote a registry host that has dots or a port: [registry.\"docker.io\"])" : "";
            throw new IllegalArgumentException(doc.where(k) + "unknown setting \"" + k + "\"" + hint);
        }
        Path root = m.containsKey("root") ? Path.of(string("root")) : d.root();
        List<DaemonAddress> addrs = m.containsKey("grpc.address")
                ? strings("grpc.address").stream().map(DaemonAddress::parse).toList() : d.addresses();
        String gid = m.containsKey("grpc.group") ? String.valueOf(m.get("grpc.group")) : null;
        boolean insecure = m.containsKey("grpc.insecure_tcp") && bool("grpc.insecure_tcp");
        KilndConfig.Tls tls = null;
        if (m.containsKey("grpc.tls.cert") || m.containsKey("grpc.tls.key") || m.containsKey("grpc.tls.ca")) {
            if (!m.containsKey("grpc.tls.cert") || !m.containsKey("grpc.tls.key") || !m.containsKey("grpc.tls.ca")) {
                throw new IllegalArgumentException("[grpc.tls] needs cert, key and ca (clients are always verified)");
            }
            tls = new KilndConfig.Tls(Path.of(string("grpc.tls.cert")), Path.of(string("grpc.tls.key")),
                    Path.of(string("grpc.tls.ca")));
        }
        String runtime = m.containsKey("worker.runtime") ? string("worker.runtime") : d.runtime();
        if (!runtime.equals("runc") && !runtime.equals("crun")) {
            throw new IllegalArgumentException(doc.where("worker.runtime") + "worker.runtime must be \"runc\" or \"crun\", not \""
                    + runtime + "\"");
        }
        int par = m.containsKey("worker.max_parallelism") ? (int) number("worker.max_parallelism") : 0;
        List<String> insecureRegs = m.containsKey("registry.insecure") ? strings("registry.insecure") : List.of();
        Path certsDir = m.containsKey("registry.certs_dir") ? Path.of(string("registry.certs_dir")) : null;
        Duration grace = m.containsKey("daemon.shutdown_grace_seconds")
                ? Duration.ofSeconds(number("daemon.shutdown_grace_seconds")) : d.shutdownGrace();
        Set<String> allowed = m.containsKey("daemon.allowed_entitlements")
                ? Set.copyOf(strings("daemon.allowed_entitlements")) : Set.of();
        return new KilndConfig(root, addrs, gid, insecure, tls, runtime, par, insecureRegs, grace, allowed, gc(),
                limits(), certsDir, registries(hostTables));
    }

    private KilndConfig.Gc gc() {
        boolean enabled = !m.containsKey("gc.enabled") || bool("gc.enabled");
        Long keep = m.containsKey("gc.keep_storage") ? size("gc.keep_storage") : null;
        Duration age = m.containsKey("gc.keep_duration") ? duration("gc.keep_duration") : Duration.ZERO;
        Duration every = m.containsKey("gc.interval") ? duration("gc.interval") : KilndConfig.DEFAULT_GC_INTERVAL;
        return checked("gc", () -> new KilndConfig.Gc(enabled, keep, age, every));
    }

    private ResourceLimits limits() {
        long memory = m.containsKey("worker.memory") ? size("worker.memory") : 0;
        long pids = m.containsKey("worker.pids_limit") ? number("worker.pids_limit") : 0;
        long shares = m.containsKey("worker.cpu_shares") ? number("worker.cpu_shares") : 0;
        return checked("worker.memory", () -> new ResourceLimits(memory, pids, shares));
    }

    private Map<String, RegistryHostConfig> registries(Map<String, Map<String, Object>> tables) {
        Map<String, RegistryHostConfig> out = new LinkedHashMap<>();
        tables.forEach((host, t) -> {
            String prefix = "registry." + TomlSubset.segment(host) + ".";
            List<String> mirrors = t.containsKey("mirrors") ? strings(prefix + "mirrors") : List.of();
            List<Path> cas = t.containsKey("ca") ? strings(prefix + "ca").stream().map(Path::of).toList() : List.of();
            boolean insecure = t.containsKey("insecure") && bool(prefix + "insecure");
            boolean http = t.containsKey("http") && bool(prefix + "http");
            out.put(host, checked(prefix + "mirrors", () -> new RegistryHostConfig(mirrors, cas, insecure, http)));
        });
        return out;
    }

    private <T> T checked(String key, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(doc.where(key) + e.getMessage(), e);
        }
    }

    private String string(String k) {
        if (m.get(k) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(doc.where(k) + k + " must be a string");
    }

    private long number(String k) {
        if (m.get(k) instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
            return l;
        }
        throw new IllegalArgumentException(doc.where(k) + k + " must be a non-negative integer");
    }

    /** A size: an integer (bytes) or a string such as "10GB" (powers of 1024). */
    private long size(String k) {
        Object v = m.get(k);
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        if (v instanceof String s) {
            try {
                return PruneOptions.parseSize(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(doc.where(k) + k + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(doc.where(k) + k + " must be a size such as \"10GB\" or a number of bytes");
    }

    /** A duration: a string such as "48h", "90s", "7d", or "0". */
    private Duration duration(String k) {
        Object v = m.get(k);
        if (v instanceof Long l && l == 0) {
            return Duration.ZERO;
        }
        if (v instanceof String s) {
            try {
                return PruneOptions.parseDuration(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(doc.where(k) + k + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(doc.where(k) + k + " must be a duration such as \"48h\"");
    }

    private boolean bool(String k) {
        if (m.get(k) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(doc.where(k) + k + " must be true or false");
    }

    private List<String> strings(String k) {
        Object v = m.get(k);
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            out.add(s);
            return out;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException(doc.where(k) + k + " must be a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException(doc.where(k) + k + " must be a list of strings");
    }
}
