package dev.kiln.testkit.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lab registry in its three modes, checked with plain HTTP requests. */
class LabRegistryIT {
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            (LabRegistry.USERNAME + ":" + LabRegistry.PASSWORD).getBytes(StandardCharsets.UTF_8));

    @BeforeAll
    static void needsTheRegistry() {
        Assumptions.assumeTrue(LabRegistry.available(), "docker-registry is not installed");
    }

    private static HttpResponse<String> get(HttpClient http, String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void plainModeAnswersWithoutAuthAndIsGoneAfterClose() throws Exception {
        Path storage;
        String base;
        try (LabRegistry r = LabRegistry.plain().start(); HttpClient http = HttpClient.newHttpClient()) {
            base = r.baseUrl();
            storage = r.storageDir();
            assertThat(base).isEqualTo("http://127.0.0.1:" + r.port());
            assertThat(r.reference("a/b:1")).isEqualTo("127.0.0.1:" + r.port() + "/a/b:1");
            assertThat(get(http, base + "/v2/", null).statusCode()).isEqualTo(200);
        }
        assertThat(Files.exists(storage)).isFalse();
        try (HttpClient http = HttpClient.newHttpClient()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(http, base + "/v2/", null))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void tlsModeNeedsTheLabCaAndTheLabPassword() throws Exception {
        try (LabRegistry r = LabRegistry.tlsBasic().start();
                HttpClient http = HttpClient.newBuilder().sslContext(r.sslContext()).build()) {
            assertThat(r.baseUrl()).startsWith("https://");
            HttpResponse<String> anonymous = get(http, r.baseUrl() + "/v2/", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
            assertThat(get(http, r.baseUrl() + "/v2/", BASIC).statusCode()).isEqualTo(200);
            assertThat(r.certsDir().resolve(r.host()).resolve("ca.crt")).hasSameTextualContentAs(r.caCert());
        }
    }

    @Test
    void tokenModeAcceptsTokensFromItsTokenServerOnly() throws Exception {
        try (LabRegistry r = LabRegistry.token().start(); HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> challenge = get(http, r.baseUrl() + "/v2/", null);
            assertThat(challenge.statusCode()).isEqualTo(401);
            assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .contains("Bearer realm=\"" + r.tokenRealm() + "\"").contains("service=\"" + LabTokenServer.SERVICE + "\"");

            String scope = "&scope=repository:x/y:pull,push";
            HttpResponse<String> denied = get(http, r.tokenRealm() + "?service=" + LabTokenServer.SERVICE + scope,
                    "Basic " + Base64.getEncoder().encodeToString("kiln:wrong".getBytes(StandardCharsets.UTF_8)));
            assertThat(denied.statusCode()).isEqualTo(401);

            HttpResponse<String> issued = get(http, r.tokenRealm() + "?service=" + LabTokenServer.SERVICE + scope, BASIC);
            assertThat(issued.statusCode()).isEqualTo(200);
            String token = issued.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
            assertThat(get(http, r.baseUrl() + "/v2/", "Bearer " + token).statusCode()).isEqualTo(200);
            assertThat(get(http, r.baseUrl() + "/v2/x/y/tags/list", "Bearer " + token).statusCode())
                    .as("authorized, but the repository does not exist yet").isEqualTo(404);
            assertThat(get(http, r.baseUrl() + "/v2/", "Bearer " + token.substring(0, token.length() - 4) + "AAAA").statusCode())
                    .as("a bad signature is refused").isEqualTo(401);
            assertThat(r.tokenRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void keyIdHasLibtrustShape() {
        String kid = LabTokenServer.libtrustKeyId(new byte[] {1, 2, 3});
        assertThat(kid).matches("([A-Z2-7]{4}:){11}[A-Z2-7]{4}");
        assertThat(LabTokenServer.libtrustKeyId(new byte[] {1, 2, 3})).isEqualTo(kid);
        assertThat(LabTokenServer.libtrustKeyId(new byte[] {1, 2, 4})).isNotEqualTo(kid);
    }
}
