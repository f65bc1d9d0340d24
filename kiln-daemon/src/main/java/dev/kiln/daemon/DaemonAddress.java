package dev.kiln.daemon;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where kilnd listens and where a client finds it: {@code unix:///run/kiln/kilnd.sock} or
 * {@code tcp://HOST:PORT}. A value, parsed once from a flag, {@code KILN_HOST} or the config
 * file; the server binds it and the client dials it.
 *
 * @param scheme {@code unix} or {@code tcp}
 * @param path   the socket path (unix only)
 * @param host   the host name or address (tcp only)
 * @param port   the port (tcp only; 0 asks the kernel for a free one when listening)
 */
public record DaemonAddress(String scheme, Path path, String host, int port) {
    /** The default listen address of a root daemon. */
    public static final String DEFAULT = "unix:///run/kiln/kilnd.sock";

    public DaemonAddress {
        Objects.requireNonNull(scheme, "scheme");
        switch (scheme) {
            case "unix" -> Objects.requireNonNull(path, "path");
            case "tcp" -> {
                Objects.requireNonNull(host, "host");
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException("port out of range: " + port);
                }
            }
            default -> throw new IllegalArgumentException("unsupported address scheme \"" + scheme + "\": want unix or tcp");
        }
    }

    /** Parses {@code unix:///abs/path}, {@code unix://relative/path} or {@code tcp://host:port}. */
    public static DaemonAddress parse(String text) {
        String t = Objects.requireNonNull(text, "address").strip();
        if (t.startsWith("unix://")) {
            String p = t.substring("unix://".length());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("invalid address \"" + text + "\": unix:// needs a socket path");
            }
            return new DaemonAddress("unix", Path.of(p), null, 0);
        }
        if (t.startsWith("tcp://")) {
            try {
                URI u = new URI(t);
                if (u.getHost() == null || u.getPort() < 0) {
                    throw new IllegalArgumentException("invalid address \"" + text + "\": want tcp://HOST:PORT");
                }
                String host = u.getHost();
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                return new DaemonAddress("tcp", null, host, u.getPort());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("invalid address \"" + text + "\": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("invalid address \"" + text + "\": want unix://PATH or tcp://HOST:PORT");
    }

    public boolean isUnix() {
        return scheme.equals("unix");
    }

    @Override
    public String toString() {
        return isUnix() ? "unix://" + path : "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
