package dev.kiln.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The authenticator against a fake token server (the JDK's HTTP server on loopback). */
class AuthenticatorTest {
    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
    private volatile boolean postSupported = true;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final HttpClient http = HttpClient.newHttpClient();

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String auth = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
            requests.add(ex.getRequestMethod() + " " + URLDecoder.decode(String.valueOf(ex.getRequestURI().getRawQuery()), StandardCharsets.UTF_8)
                    + " " + URLDecoder.decode(body, StandardCharsets.UTF_8) + " " + auth);
            int status;
            String reply;
            if (ex.getRequestMethod().equals("POST") && !postSupported) {
                status = 404;
                reply = "";
            } else if (auth.contains("d3Jvbmc")) { // base64 of "wrong"
                status = 401;
                reply = "{}";
            } else {
                status = 200;
                reply = "{\"access_token\":\"tok-" + issued.incrementAndGet() + "\",\"expires_in\":300}";
            }
            byte[] b = reply.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        http.close();
    }

    private Challenge challenge(String scope) {
        Map<String, String> params = new java.util.HashMap<>(Map.of(
                "realm", "http://127.0.0.1:" + server.getAddress().getPort() + "/token", "service", "fake-registry"));
        if (scope != null) {
            params.put("scope", scope);
        }
        return new Challenge("Bearer", params);
    }

    private Authenticator authenticator(CredentialSource creds) {
        return new Authenticator(creds, uri -> http, clock);
    }

    @Test
    void anonymousTokenIsCachedPerScopeUntilItExpires() {
        Authenticator auth = authenticator(CredentialSource.anonymous());
        List<String> pull = List.of("repository:app:pull");
        assertThat(auth.authorization("r", pull)).as("no challenge seen yet").isEmpty();
        assertThat(auth.authenticate("r", List.of(challenge(null)), pull)).isTrue();
        assertThat(auth.authorization("r", pull)).contains("Bearer tok-1");
        assertThat(auth.authorization("r", pull)).contains("Bearer tok-1");
        assertThat(auth.authorization("elsewhere", pull)).isEmpty();
        assertThat(requests).containsExactly("GET service=fake-registry&scope=repository:app:pull  null");

        assertThat(auth.authorization("r", List.of("repository:other:pull"))).as("another scope, another token")
                .contains("Bearer tok-2");
        clock.advance(Duration.ofSeconds(290));
        assertThat(auth.authorization("r", pull)).contains("Bearer tok-1");
        clock.advance(Duration.ofSeconds(10));
        assertThat(auth.authorization("r", pull)).as("expired, so fetched again").contains("Bearer tok-3");
        assertThat(requests).hasSize(3);
    }

    @Test
    void aLearntChallengeFetchesOneTokenForManyConcurrentRequests() throws Exception {
        Authenticator auth = authenticator(CredentialSource.anonymous());
        auth.learn("r", List.of(new Challenge("Basic", Map.of()), challenge(null)));
        List<String> pull = List.of("repository:app:pull");
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Optional<String>>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(pool.submit(() -> auth.authorization("r", pull)));
            }
            for (var f : all) {
                assertThat(f.get()).contains("Bearer tok-1");
            }
        }
        assertThat(requests).hasSize(1);
    }

    @Test
    void passwordGoesAsBasicOnGetWithAccountAndChallengeScopeIsAdded() {
        Authenticator auth = authenticator(h -> Optional.of(Credentials.basic("alice", "pw")));
        auth.authenticate("r", List.of(challenge("repository:base:pull")), List.of("repository:app:pull,push"));
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("alice:pw".getBytes(StandardCharsets.UTF_8));
        assertThat(requests).containsExactly(
                "GET service=fake-registry&scope=repository:app:pull,push&scope=repository:base:pull&account=alice  " + basic);
        assertThat(auth.authorization("r", List.of("repository:app:pull,push"))).contains("Bearer tok-1");
    }

    @Test
    void identityTokenUsesTheOAuth2PostAndFallsBackToGet() {
        Authenticator auth = authenticator(h -> Optional.of(new Credentials("", "", "refresh-1")));
        auth.authenticate("r", List.of(challenge(null)), List.of("repository:app:pull"));
        assertThat(requests).hasSize(1);
        assertThat(requests.getFirst()).startsWith("POST null grant_type=refresh_token&client_id=kiln&refresh_token=refresh-1"
                + "&service=fake-registry&scope=repository:app:pull");

        postSupported = false;
        requests.clear();
        Authenticator fallback = authenticator(h -> Optional.of(new Credentials("", "", "refresh-1")));
        fallback.authenticate("r", List.of(challenge(null)), List.of("repository:app:pull"));
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0)).startsWith("POST ");
        assertThat(requests.get(1)).startsWith("GET service=fake-registry&scope=repository:app:pull");
        assertThat(fallback.authorization("r", List.of("repository:app:pull"))).isPresent();
    }

    @Test
    void rejectedCredentialsAreDenied() {
        Authenticator auth = authenticator(h -> Optional.of(Credentials.basic("alice", "wrong")));
        assertThatThrownBy(() -> auth.authenticate("r.example", List.of(challenge(null)), List.of("repository:app:pull")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageStartingWith("denied: check credentials for r.example");
    }

    @Test
    void basicChallengeUsesCredentialsDirectly() {
        Authenticator auth = authenticator(h -> h.equals("r") ? Optional.of(Credentials.basic("u", "p")) : Optional.empty());
        assertThat(auth.authenticate("r", List.of(new Challenge("Basic", Map.of("realm", "x"))), List.of())).isTrue();
        assertThat(auth.authorization("r", List.of("anything"))).contains("Basic dTpw");
        assertThat(auth.authenticate("s", List.of(new Challenge("Basic", Map.of())), List.of())).as("no credentials for s").isFalse();
        assertThat(auth.authenticate("t", List.of(new Challenge("Negotiate", Map.of())), List.of())).isFalse();
        assertThat(requests).isEmpty();
    }
}
