package dev.kiln.registry.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.registry.auth.Authenticator;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.registry.errors.RegistryException;
import dev.kiln.registry.errors.RegistryUnreachableException;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The transport against a fake registry (the JDK's HTTP server on loopback, plain HTTP). */
class RegistryTransportTest {
    /** What the fake does with the next request. */
    @FunctionalInterface
    interface Step {
        void handle(HttpExchange ex) throws IOException;
    }

    private HttpServer server;
    private final Deque<Step> script = new ArrayDeque<>();
    private volatile Step ping = ex -> reply(ex, 200, "{}");
    private final List<String> seenAuthorization = new CopyOnWriteArrayList<>();
    private final List<String> exchanged = new CopyOnWriteArrayList<>();
    private HttpClients clients;
    private final RetryPolicy fast = new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(5));

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            if (ex.getRequestURI().getPath().equals("/v2/")) {
                try {
                    ping.handle(ex);
                } finally {
                    ex.close();
                }
                return;
            }
            seenAuthorization.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            Step step;
            synchronized (script) {
                step = script.isEmpty() ? e -> reply(e, 500, "script exhausted") : script.poll();
            }
            try {
                step.handle(ex);
            } finally {
                ex.close();
            }
        });
        server.start();
        clients = new HttpClients(RegistryHosts.defaults());
    }

    @AfterEach
    void stop() {
        clients.close();
        server.stop(0);
    }

    private String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private RegistryTransport transport(CredentialSource credentials) {
        return new RegistryTransport(RegistryHosts.defaults(), clients,
                new Authenticator(credentials, clients::forUri, Clock.systemUTC()), fast, Duration.ofMillis(300));
    }

    private RegistryResponse get(RegistryTransport t) {
        return t.send(RegistryRequest.of("GET", host(), "/v2/app/manifests/1", List.of("repository:app:pull")),
                (m, u, s) -> exchanged.add(m + " " + u + " " + s));
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    @Test
    void loopbackHostWithoutTlsFallsBackToHttp() {
        script.add(ex -> reply(ex, 200, "ok"));
        try (RegistryResponse r = get(transport(CredentialSource.anonymous()))) {
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
            assertThat(r.uri().getScheme()).isEqualTo("http");
        }
        assertThat(exchanged).containsExactly("GET http://" + host() + "/v2/ 200",
                "GET http://" + host() + "/v2/app/manifests/1 200");
    }

    @Test
    void retriesServerErrorsThenSucceeds() {
        script.add(ex -> reply(ex, 503, "busy"));
        script.add(ex -> {
            ex.getResponseHeaders().add("Retry-After", "0");
            reply(ex, 429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
        });
        script.add(ex -> reply(ex, 200, "ok"));
        try (RegistryResponse r = get(transport(CredentialSource.anonymous()))) {
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(exchanged).extracting(s -> s.substring(s.lastIndexOf(' ') + 1)).containsExactly("200", "503", "429", "200");
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheRegistrysReason() {
        for (int i = 0; i < 4; i++) {
            script.add(ex -> reply(ex, 502, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"backend down\"}]}"));
        }
        script.add(ex -> reply(ex, 200, "too late"));
        assertThatThrownBy(() -> get(transport(CredentialSource.anonymous())))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("answered 502")
                .hasMessageContaining("after 4 tries")
                .hasMessageContaining("unavailable: backend down");
        assertThat(exchanged).hasSize(5).first().asString().endsWith("/v2/ 200");
    }

    @Test
    void retriesADroppedConnection() {
        script.add(ex -> { throw new IOException("drop the connection without answering"); });
        script.add(ex -> reply(ex, 200, "ok"));
        try (RegistryResponse r = get(transport(CredentialSource.anonymous()))) {
            assertThat(r.status()).isEqualTo(200);
        }
    }

    @Test
    void doesNotRetryClientErrors() {
        script.add(ex -> reply(ex, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}"));
        try (RegistryResponse r = get(transport(CredentialSource.anonymous()))) {
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.errorDetail()).isEqualTo("manifest unknown: manifest unknown");
        }
        assertThat(exchanged).hasSize(2);
    }

    @Test
    void unreachableHostIsAClearError() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        RegistryTransport t = transport(CredentialSource.anonymous());
        assertThatThrownBy(() -> t.send(RegistryRequest.of("GET", "127.0.0.1:" + closedPort, "/v2/", List.of()), RequestObserver.NONE))
                .isInstanceOf(RegistryUnreachableException.class)
                .hasMessageStartingWith("cannot reach registry 127.0.0.1:" + closedPort + ": connection refused");
    }

    @Test
    void answersABasicChallengeWithCredentialsAndKeepsSendingThem() {
        Step challenge = ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
            reply(ex, 401, "");
        };
        script.add(challenge);
        script.add(ex -> reply(ex, 200, "first"));
        script.add(ex -> reply(ex, 200, "second"));
        RegistryTransport t = transport(h -> Optional.of(Credentials.basic("u", "p")));
        get(t).close();
        get(t).close();
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
        assertThat(seenAuthorization).containsExactly("null", basic, basic);
    }

    @Test
    void aChallengeLearntFromThePingIsAnsweredOnTheFirstRequest() {
        ping = ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
            reply(ex, 401, "");
        };
        script.add(ex -> reply(ex, 200, "first"));
        get(transport(h -> Optional.of(Credentials.basic("u", "p")))).close();
        assertThat(seenAuthorization).containsExactly(
                "Basic " + java.util.Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8)));
        assertThat(exchanged).extracting(s -> s.substring(s.lastIndexOf(' ') + 1)).containsExactly("401", "200");
    }

    @Test
    void basicChallengeWithoutCredentialsOrRejectedCredentialsIsDenied() {
        Step challenge = ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
            reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
        };
        script.add(challenge);
        assertThatThrownBy(() -> get(transport(CredentialSource.anonymous())))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("denied: check credentials for " + host() + " (unauthorized: authentication required)");
        script.add(challenge);
        script.add(challenge);
        assertThatThrownBy(() -> get(transport(h -> Optional.of(Credentials.basic("u", "wrong")))))
                .isInstanceOf(AccessDeniedException.class);
        script.add(ex -> reply(ex, 403, ""));
        assertThatThrownBy(() -> get(transport(CredentialSource.anonymous()))).isInstanceOf(AccessDeniedException.class);
    }
}
