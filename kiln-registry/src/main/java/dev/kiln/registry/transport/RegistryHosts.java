package dev.kiln.registry.transport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-registry connection settings, fixed when the engine starts.
 *
 * <ul>
 *   <li><b>API host</b>: the host the distribution API lives on; {@code docker.io} maps to
 *       {@code registry-1.docker.io}, every other registry to itself.</li>
 *   <li><b>Insecure hosts</b> (marked by the user): HTTPS without certificate verification,
 *       falling back to plain HTTP when the server does not speak TLS.</li>
 *   <li><b>Plain-HTTP hosts</b> (marked by the user, like BuildKit's {@code http = true}):
 *       always plain HTTP, without trying TLS first.</li>
 *   <li><b>Loopback hosts</b> ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}): as docker
 *       does, HTTPS is tried first and plain HTTP is used when the TLS handshake fails for
 *       any reason but an untrusted certificate; unlike docker, a certificate that is
 *       presented is still verified unless the host is also marked insecure.</li>
 *   <li><b>TLS</b>: the JDK's trust store plus, per host, docker's {@code certs.d} layout under
 *       {@link #certsDir()}: {@code HOST[:PORT]/*.crt} are extra CAs, {@code *.cert} with the
 *       {@code *.key} of the same name a client certificate.</li>
 *       Extra CA files per host ({@link Builder#ca}) are trusted as well.</li>
 *   <li><b>Mirrors</b>: hosts tried, in order, before the registry itself for pulls (never for
 *       pushes); each mirror is a host of its own for TLS settings and credentials.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class RegistryHosts {
    /** Where certificates are looked up unless {@link Builder#certsDir} says otherwise. */
    public static final Path DEFAULT_CERTS_DIR = Path.of("/etc/kiln/certs.d");
    private static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_API = "registry-1.docker.io";

    private final Path certsDir;
    private final Set<String> insecure;
    private final Set<String> plainHttp;
    private final Map<String, List<String>> mirrors;
    private final Map<String, List<Path>> cas;

    private RegistryHosts(Builder b) {
        this.certsDir = b.certsDir;
        this.insecure = Set.copyOf(b.insecure);
        this.plainHttp = Set.copyOf(b.plainHttp);
        this.mirrors = Map.copyOf(b.mirrors);
        Map<String, List<Path>> c = new HashMap<>();
        b.cas.forEach((host, files) -> c.put(host, List.copyOf(files)));
        this.cas = Map.copyOf(c);
    }

    /** No insecure hosts, no mirrors, certificates from {@link #DEFAULT_CERTS_DIR}. */
    public static RegistryHosts defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The host that serves the registry's {@code /v2/} API. */
    public String apiHost(String registry) {
        return registry.equals(DOCKER_HUB) || registry.equals("index.docker.io") ? DOCKER_HUB_API : registry;
    }

    /** Whether the user marked the host insecure (no certificate checks, HTTP allowed). */
    public boolean isInsecure(String host) {
        return insecure.contains(host) || insecure.contains(hostWithoutPort(host));
    }

    /** Whether plain HTTP may be used for the host: marked plain-HTTP, insecure, or loopback. */
    public boolean allowsPlainHttp(String host) {
        return usesPlainHttp(host) || isInsecure(host) || isLoopback(host);
    }

    /** Whether the user said the host speaks plain HTTP only (no TLS attempt at all). */
    public boolean usesPlainHttp(String host) {
        return plainHttp.contains(host) || plainHttp.contains(hostWithoutPort(host));
    }

    /** Pull mirrors of a registry ({@code HOST[:PORT]}), in the order to try them; empty when none. */
    public List<String> mirrors(String registry) {
        return mirrors.getOrDefault(registry.equals("index.docker.io") ? DOCKER_HUB : registry, List.of());
    }

    /**
     * CA files configured for a host (with {@link Builder#ca} or a {@link RegistryHostConfig}),
     * trusted besides the system's and those in {@link #certsDir()}: the entries for
     * {@code host:port} and for the bare host.
     */
    public List<Path> extraCas(String host) {
        List<Path> out = new ArrayList<>(cas.getOrDefault(host, List.of()));
        String bare = hostWithoutPort(host);
        if (!bare.equals(host)) {
            out.addAll(cas.getOrDefault(bare, List.of()));
        }
        return out;
    }

    public Path certsDir() {
        return certsDir;
    }

    /** {@code localhost}, an address in 127.0.0.0/8 or {@code ::1}, with or without a port. */
    public static boolean isLoopback(String host) {
        String h = hostWithoutPort(host);
        if (h.equals("localhost") || h.equals("::1") || h.equals("[::1]")) {
            return true;
        }
        String[] parts = h.split("\\.");
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    static String hostWithoutPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon >= 0 && host.indexOf(':') == colon ? host.substring(0, colon) : host;
    }

    /** Collects settings; {@link #build()} makes the immutable {@link RegistryHosts}. */
    public static final class Builder {
        private Path certsDir = DEFAULT_CERTS_DIR;
        private final Set<String> insecure = new HashSet<>();
        private final Set<String> plainHttp = new HashSet<>();
        private final Map<String, List<String>> mirrors = new HashMap<>();
        private final Map<String, List<Path>> cas = new HashMap<>();

        private Builder() {}

        /** The directory in docker's {@code certs.d} layout (tests point it at a temp dir). */
        public Builder certsDir(Path dir) {
            this.certsDir = dir;
            return this;
        }

        /** Marks a host ({@code host} or {@code host:port}) insecure. */
        public Builder insecure(String host) {
            insecure.add(host);
            return this;
        }

        /** Marks a host ({@code host} or {@code host:port}) as plain HTTP only. */
        public Builder plainHttp(String host) {
            plainHttp.add(host);
            return this;
        }

        /**
         * Sets the pull mirrors of a registry (e.g. {@code docker.io}), each {@code HOST[:PORT]} or
         * an {@code http(s)://HOST[:PORT]} URL (see {@link RegistryHostConfig#mirrorHost}); an
         * {@code http://} mirror is marked plain HTTP.
         */
        public Builder mirrors(String registry, List<String> mirrorHosts) {
            RegistryHostConfig c = new RegistryHostConfig(mirrorHosts, List.of(), false, false);
            mirrors.put(registry, c.mirrorHosts());
            plainHttp.addAll(c.plainHttpMirrorHosts());
            return this;
        }

        /** Trusts the CAs in the PEM file {@code caFile} for {@code host} ({@code host} or {@code host:port}). */
        public Builder ca(String host, Path caFile) {
            cas.computeIfAbsent(host, h -> new ArrayList<>()).add(caFile);
            return this;
        }

        /** Applies what the user configured for {@code registry}: mirrors, CAs, insecure, plain HTTP. */
        public Builder host(String registry, RegistryHostConfig config) {
            if (!config.mirrors().isEmpty()) {
                mirrors(registry, config.mirrors());
            }
            config.cas().forEach(f -> ca(registry, f));
            if (config.insecure()) {
                insecure(registry);
            }
            if (config.plainHttp()) {
                plainHttp(registry);
            }
            return this;
        }

        public RegistryHosts build() {
            return new RegistryHosts(this);
        }
    }
}
