package dev.kiln.executor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code /etc/hosts} and {@code /etc/resolv.conf} a container sees, written by the executor into
 * its bundle directory and bind-mounted read-only, so the image's own files are never touched.
 */
final class NetworkFiles {

    /** Docker's fallback resolvers when the host has none. */
    static final String DEFAULT_RESOLV_CONF = "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";

    private NetworkFiles() {}

    /** hosts: localhost and the container's hostname on the loopback addresses. */
    static String hosts(String hostname) {
        return "127.0.0.1\tlocalhost " + hostname + "\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n";
    }

    /** resolv.conf: the host's file if it names a nameserver, else {@link #DEFAULT_RESOLV_CONF}. */
    static String resolvConf(Path hostResolvConf) {
        try {
            String content = Files.readString(hostResolvConf, StandardCharsets.ISO_8859_1);
            boolean hasNameserver = content.lines().map(String::strip).anyMatch(l -> l.startsWith("nameserver"));
            return hasNameserver ? content : DEFAULT_RESOLV_CONF;
        } catch (IOException e) {
            return DEFAULT_RESOLV_CONF;
        }
    }

    /** Writes both files into {@code dir}; returns their paths (hosts, resolv.conf). */
    static List<Path> write(Path dir, String hostname) throws IOException {
        Path hosts = Files.writeString(dir.resolve("hosts"), hosts(hostname), StandardCharsets.UTF_8);
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), resolvConf(Path.of("/etc/resolv.conf")),
                StandardCharsets.ISO_8859_1);
        Files.setAttribute(hosts, "unix:mode", 0644);
        Files.setAttribute(resolv, "unix:mode", 0644);
        return List.of(hosts, resolv);
    }
}
