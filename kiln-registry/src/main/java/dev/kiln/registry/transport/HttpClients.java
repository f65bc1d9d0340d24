package dev.kiln.registry.transport;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One JDK {@link HttpClient} per host, each with that host's TLS settings from
 * {@link RegistryHosts}. Clients are made on first use and closed with this object.
 */
public final class HttpClients implements AutoCloseable {
    /**
     * The JDK client reads sockets into buffers of {@code jdk.httpclient.bufsize} bytes (16 KiB
     * unless set) and hands them on one by one; with 128 KiB a 500 MB pull makes an eighth of
     * the reads, selector wake-ups and body-stream hand-overs, which measured as about half
     * the pull's system CPU time. The JDK reads the property once, when its HTTP client is
     * first used, so this is set (unless the user set it) before the first client is made;
     * in a JVM that used an HTTP client earlier it has no effect, which costs only speed.
     */
    private static final String BUFFER_SIZE_PROPERTY = "jdk.httpclient.bufsize";

    static {
        if (System.getProperty(BUFFER_SIZE_PROPERTY) == null) {
            System.setProperty(BUFFER_SIZE_PROPERTY, Integer.toString(128 * 1024));
        }
    }

    private final RegistryHosts hosts;
    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

    public HttpClients(RegistryHosts hosts) {
        this.hosts = hosts;
    }

    /** The client for {@code host} ({@code name[:port]}, as in a URL authority). */
    public HttpClient forHost(String host) {
        return clients.computeIfAbsent(host, h -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .sslContext(TlsContexts.forHost(hosts.certsDir(), h, hosts.isInsecure(h), hosts.extraCas(h)))
                .build());
    }

    /**
     * A short-lived client for the one request that finds out whether a host speaks TLS; its
     * connect timeout (which covers the TLS handshake) is short because a plain-HTTP server
     * may never answer a TLS hello. The caller closes it.
     */
    HttpClient probe(String host, Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .sslContext(TlsContexts.forHost(hosts.certsDir(), host, hosts.isInsecure(host), hosts.extraCas(host)))
                .build();
    }

    /** The client for the host of an absolute URL. */
    public HttpClient forUri(URI uri) {
        return forHost(uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort());
    }

    @Override
    public void close() {
        clients.values().forEach(HttpClient::close);
        clients.clear();
    }
}
