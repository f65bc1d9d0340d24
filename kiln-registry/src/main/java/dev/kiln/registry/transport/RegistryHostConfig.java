package dev.kiln.registry.transport;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the user configured for one registry (kilnd's {@code [registry."HOST"]} table, like
 * BuildKit's): its pull mirrors, extra CA certificates, and whether it is insecure (no
 * certificate checks) or plain HTTP. Applied to a {@link RegistryHosts.Builder} with
 * {@link RegistryHosts.Builder#host}.
 *
 * <p>A mirror is written {@code HOST[:PORT]} or as a URL {@code https://HOST[:PORT]} or
 * {@code http://HOST[:PORT]} (plain HTTP for that mirror); a URL may end in {@code /} or
 * {@code /v2/} but name no other path, since a mirror serves the same repository paths as the
 * registry it mirrors. {@link #mirrorHosts()} gives the mirrors as hosts, in order.
 *
 * @param mirrors   pull mirrors, tried in order before the registry itself; never used for pushes
 * @param cas       PEM files of CAs trusted (besides the system's) for this host's certificates
 * @param insecure  HTTPS without certificate checks, falling back to plain HTTP
 * @param plainHttp plain HTTP only
 */
public record RegistryHostConfig(List<String> mirrors, List<Path> cas, boolean insecure, boolean plainHttp) {

    public RegistryHostConfig {
        mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
        cas = cas == null ? List.of() : List.copyOf(cas);
        for (String m : mirrors) {
            mirrorHost(m);
        }
    }

    /** The mirrors as {@code HOST[:PORT]}, in order. */
    public List<String> mirrorHosts() {
        return mirrors.stream().map(RegistryHostConfig::mirrorHost).toList();
    }

    /** The mirrors written as {@code http://…} URLs, as hosts: they speak plain HTTP. */
    public List<String> plainHttpMirrorHosts() {
        return mirrors.stream().filter(m -> m.toLowerCase(Locale.ROOT).startsWith("http://"))
                .map(RegistryHostConfig::mirrorHost).toList();
    }

    /**
     * {@code HOST[:PORT]} of a mirror written as a host or an http(s) URL.
     *
     * @throws IllegalArgumentException when it is neither, or names a path, query or user
     */
    public static String mirrorHost(String mirror) {
        String m = mirror.strip();
        if (!m.contains("://")) {
            if (m.isEmpty() || m.contains("/") || m.contains("@") || m.contains("?")) {
                throw new IllegalArgumentException("invalid mirror \"" + mirror + "\": want HOST[:PORT] or https://HOST[:PORT]");
            }
            return m;
        }
        URI uri;
        try {
            uri = URI.create(m);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid mirror URL \"" + mirror + "\": " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null || uri.getRawFragment() != null
                || !(path.isEmpty() || path.equals("/") || path.equals("/v2") || path.equals("/v2/"))) {
            throw new IllegalArgumentException("invalid mirror URL \"" + mirror
                    + "\": want http(s)://HOST[:PORT] (a mirror serves the registry's own repository paths)");
        }
        String host = uri.getHost();
        return uri.getPort() < 0 ? host : host + ":" + uri.getPort();
    }
}
