package dev.kiln.testkit.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The token server of a {@link LabRegistry} in token mode: the "realm" of the distribution
 * token-auth spec, run in-process on {@code 127.0.0.1} with the JDK's HTTP server.
 *
 * <p>{@code GET /token?service=…&scope=…} with Basic credentials of the lab user grants the
 * requested {@code pull}/{@code push} actions on every requested repository; without
 * credentials it grants nothing (so an anonymous pull is denied by the registry); with wrong
 * credentials it answers 401. {@code POST /token} takes the OAuth2 form
 * ({@code grant_type=password} or {@code refresh_token}) and returns a refresh token when
 * asked for {@code access_type=offline}. Tokens are RS256 JWTs whose header carries the
 * libtrust key id ({@code kid}) and the signing certificate ({@code x5c}) that distribution
 * 2.8 checks against its {@code rootcertbundle}.
 *
 * <p>Started by {@link LabRegistry}; stopped by {@link #close()}.
 */
final class LabTokenServer implements AutoCloseable {
    static final String SERVICE = "kiln-lab-registry";
    static final String ISSUER = "kiln-lab-token-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final LabCertificates.SigningKey key;
    private final String username;
    private final String password;
    private final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private final String keyId;

    LabTokenServer(LabCertificates.SigningKey key, String username, String password) throws IOException {
        this.key = key;
        this.username = username;
        this.password = password;
        this.keyId = libtrustKeyId(key.certificate().getPublicKey().getEncoded());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/token", this::handle);
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** How many token requests this server has answered (tests check token caching). */
    int requestCount() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            Map<String, List<String>> params = new LinkedHashMap<>();
            parseForm(ex.getRequestURI().getRawQuery(), params);
            String subject;
            if ("POST".equals(ex.getRequestMethod())) {
                parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
                String grant = first(params, "grant_type");
                if ("password".equals(grant)) {
                    if (!(username.equals(first(params, "username")) && password.equals(first(params, "password")))) {
                        reply(ex, 401, error("invalid username or password"));
                        return;
                    }
                } else if ("refresh_token".equals(grant)) {
                    if (!refreshTokens.contains(first(params, "refresh_token"))) {
                        reply(ex, 401, error("invalid refresh token"));
                        return;
                    }
                } else {
                    reply(ex, 400, error("unsupported grant_type " + grant));
                    return;
                }
                subject = username;
            } else if ("GET".equals(ex.getRequestMethod())) {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null) {
                    subject = "";
                } else if (auth.regionMatches(true, 0, "Basic ", 0, 6)
                        && new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8)
                                .equals(username + ":" + password)) {
                    subject = username;
                } else {
                    reply(ex, 401, error("invalid username or password"));
                    return;
                }
            } else {
                reply(ex, 405, error("method not allowed"));
                return;
            }
            if (!SERVICE.equals(first(params, "service"))) {
                reply(ex, 400, error("unknown service " + first(params, "service")));
                return;
            }
            String jwt = sign(subject, subject.isEmpty() ? List.of() : params.getOrDefault("scope", List.of()));
            ObjectNode body = JSON.createObjectNode();
            body.put("token", jwt).put("access_token", jwt).put("expires_in", 300)
                    .put("issued_at", Instant.now().toString());
            if ("offline".equals(first(params, "access_type")) && !subject.isEmpty()) {
                String refresh = "kiln-lab-refresh-" + UUID.randomUUID();
                refreshTokens.add(refresh);
                body.put("refresh_token", refresh);
            }
            reply(ex, 200, body);
        } catch (RuntimeException | GeneralSecurityException e) {
            reply(ex, 500, error(e.toString()));
        }
    }

    private String sign(String subject, List<String> scopes) throws GeneralSecurityException {
        ObjectNode header = JSON.createObjectNode();
        header.put("typ", "JWT").put("alg", "RS256").put("kid", keyId);
        header.putArray("x5c").add(Base64.getEncoder().encodeToString(key.certificate().getEncoded()));
        long now = Instant.now().getEpochSecond();
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", ISSUER).put("sub", subject).put("aud", SERVICE)
                .put("exp", now + 300).put("nbf", now - 10).put("iat", now).put("jti", UUID.randomUUID().toString());
        ArrayNode access = claims.putArray("access");
        for (String scope : scopes) {
            for (String one : scope.split(" ")) {
                int firstColon = one.indexOf(':');
                int lastColon = one.lastIndexOf(':');
                if (firstColon < 0 || lastColon == firstColon || !one.startsWith("repository:")) {
                    continue;
                }
                ObjectNode entry = access.addObject();
                entry.put("type", "repository").put("name", one.substring(firstColon + 1, lastColon));
                ArrayNode actions = entry.putArray("actions");
                for (String action : one.substring(lastColon + 1).split(",")) {
                    if (action.equals("pull") || action.equals("push")) {
                        actions.add(action);
                    }
                }
            }
        }
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(bytes(header)) + "." + b64.encodeToString(bytes(claims));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key.privateKey());
        rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(rsa.sign());
    }

    /**
     * docker/libtrust's key id, which distribution 2.8 uses to find a trusted key named by a
     * token's {@code kid}: the SHA-256 of the DER public key, truncated to 240 bits, base32
     * encoded and split into twelve groups of four characters joined by colons.
     */
    static String libtrustKeyId(byte[] publicKeyDer) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(publicKeyDer);
            String b32 = base32(java.util.Arrays.copyOf(hash, 30));
            List<String> groups = new ArrayList<>();
            for (int i = 0; i < b32.length(); i += 4) {
                groups.add(b32.substring(i, i + 4));
            }
            return String.join(":", groups);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("errors").addObject().put("code", "UNAUTHORIZED").put("message", message);
        return body;
    }

    private static void reply(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static void parseForm(String raw, Map<String, List<String>> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
