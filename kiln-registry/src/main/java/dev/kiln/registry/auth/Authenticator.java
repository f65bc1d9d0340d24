package dev.kiln.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.registry.errors.RegistryException;
import dev.kiln.registry.errors.RegistryUnreachableException;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Answers registry challenges and remembers the answers: Basic credentials for hosts that
 * challenge with {@code Basic}, and bearer tokens from the challenge's realm for hosts that
 * challenge with {@code Bearer} (the distribution token-auth spec).
 *
 * <p>Tokens are cached per (host, scope set) until {@code expires_in} runs out. With an
 * identity token (OAuth2 refresh token) the token is requested by {@code POST} of the OAuth2
 * form ({@code grant_type=refresh_token}), falling back to {@code GET} when the server does
 * not accept the POST (404/405); with a user name and password it is requested by {@code GET}
 * with Basic credentials, as docker does; without credentials, anonymously.
 *
 * <p>Thread-safe; one per registry client. Credentials are looked up once per host and kept
 * for the life of this object.
 */
public final class Authenticator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(5);

    private final CredentialSource credentials;
    private final Function<URI, HttpClient> httpClients;
    private final Clock clock;
    private final Map<String, Optional<Credentials>> credentialsByHost = new ConcurrentHashMap<>();
    private final Map<String, Challenge> challengeByHost = new ConcurrentHashMap<>();
    private final Map<String, BearerToken> tokens = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> fetchLocks = new ConcurrentHashMap<>();

    /**
     * @param credentials where to find credentials for a registry host
     * @param httpClients the HTTP client to use for a token realm URL (so that a realm on an
     *                    HTTPS host with a private CA uses that host's TLS settings)
     */
    public Authenticator(CredentialSource credentials, Function<URI, HttpClient> httpClients, Clock clock) {
        this.credentials = credentials;
        this.httpClients = httpClients;
        this.clock = clock;
    }

    /** A bearer token and the instant it stops being usable. */
    record BearerToken(String token, Instant expires) {}

    /**
     * The {@code Authorization} header value to send with a request to {@code host} that needs
     * {@code scopes}: Basic credentials for a host known to use Basic; for a host known to use
     * Bearer, a cached unexpired token, or a new one fetched now (one fetch per host and scope
     * set at a time: concurrent requests wait for it). Empty when the host's scheme is not
     * known yet (no challenge seen) or there is nothing to send.
     *
     * @throws AccessDeniedException when the token server rejects the credentials
     */
    public Optional<String> authorization(String host, List<String> scopes) {
        Challenge challenge = challengeByHost.get(host);
        if (challenge == null) {
            return Optional.empty();
        }
        if (challenge.isBasic()) {
            return credentialsFor(host).filter(Credentials::hasPassword).map(Authenticator::basicHeader);
        }
        String key = cacheKey(host, scopes);
        BearerToken token = tokens.get(key);
        if (token != null && clock.instant().isBefore(token.expires())) {
            return Optional.of("Bearer " + token.token());
        }
        ReentrantLock lock = fetchLocks.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            token = tokens.get(key);
            if (token == null || !clock.instant().isBefore(token.expires())) {
                token = fetchToken(host, challenge, scopes);
                tokens.put(key, token);
            }
            return Optional.of("Bearer " + token.token());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Remembers how a host authenticates from the challenges of a 401 to {@code GET /v2/}
     * (the "ping" docker does first), without fetching anything yet.
     */
    public void learn(String host, List<Challenge> challenges) {
        challenges.stream().filter(c -> c.isBearer() && c.param("realm").isPresent()).findFirst()
                .or(() -> challenges.stream().filter(Challenge::isBasic).findFirst())
                .ifPresent(c -> challengeByHost.put(host, c));
    }

    /**
     * Responds to a 401 on a request: remembers how the host authenticates and, for Bearer,
     * fetches a new token for {@code scopes} (plus any scope the challenge names), replacing
     * the cached one the registry just refused. Returns true when the request is worth
     * retrying with {@link #authorization}; false when there is nothing new to try (Basic
     * without credentials, or no challenge Kiln understands).
     *
     * @throws AccessDeniedException when the token server rejects the credentials
     */
    public boolean authenticate(String host, List<Challenge> challenges, List<String> scopes) {
        Optional<Challenge> bearer = challenges.stream().filter(Challenge::isBearer).findFirst();
        Optional<Challenge> basic = challenges.stream().filter(Challenge::isBasic).findFirst();
        if (bearer.isPresent() && bearer.get().param("realm").isPresent()) {
            Challenge c = bearer.get();
            challengeByHost.put(host, c);
            TreeSet<String> allScopes = new TreeSet<>(scopes);
            c.param("scope").ifPresent(s -> allScopes.addAll(List.of(s.split(" "))));
            allScopes.remove("");
            BearerToken token = fetchToken(host, c, new ArrayList<>(allScopes));
            tokens.put(cacheKey(host, scopes), token);
            return true;
        }
        if (basic.isPresent()) {
            challengeByHost.put(host, basic.get());
            return credentialsFor(host).filter(Credentials::hasPassword).isPresent();
        }
        return false;
    }

    private Optional<Credentials> credentialsFor(String host) {
        return credentialsByHost.computeIfAbsent(host, credentials::lookup);
    }

    private static String cacheKey(String host, List<String> scopes) {
        return host + " " + String.join(" ", new TreeSet<>(scopes));
    }

    private BearerToken fetchToken(String host, Challenge c, List<String> scopes) {
        URI realm = URI.create(c.param("realm").orElseThrow());
        Optional<Credentials> creds = credentialsFor(host);
        HttpClient http = httpClients.apply(realm);
        try {
            HttpResponse<byte[]> response;
            if (creds.isPresent() && creds.get().hasIdentityToken()) {
                StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=kiln&refresh_token=")
                        .append(enc(creds.get().identityToken()));
                c.param("service").ifPresent(s -> form.append("&service=").append(enc(s)));
                if (!scopes.isEmpty()) {
                    form.append("&scope=").append(enc(String.join(" ", scopes)));
                }
                response = http.send(HttpRequest.newBuilder(realm)
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() == 404 || response.statusCode() == 405) {
                    response = getToken(http, realm, c, scopes, creds);
                }
            } else {
                response = getToken(http, realm, c, scopes, creds);
            }
            int status = response.statusCode();
            if (status == 401 || status == 403) {
                throw new AccessDeniedException(host, "token server " + realm.getHost() + " answered " + status);
            }
            if (status != 200) {
                throw new RegistryException(host, "token server " + realm + " answered " + status + ": "
                        + new String(response.body(), StandardCharsets.UTF_8).strip());
            }
            JsonNode body = JSON.readTree(response.body());
            String token = body.path("token").asText("");
            if (token.isEmpty()) {
                token = body.path("access_token").asText("");
            }
            if (token.isEmpty()) {
                throw new RegistryException(host, "token server " + realm + " sent no token");
            }
            long seconds = body.path("expires_in").asLong(0);
            Duration lifetime = seconds < DEFAULT_TOKEN_LIFETIME.toSeconds() ? DEFAULT_TOKEN_LIFETIME : Duration.ofSeconds(seconds);
            return new BearerToken(token, clock.instant().plus(lifetime).minus(EXPIRY_MARGIN));
        } catch (IOException e) {
            throw new RegistryUnreachableException(host, "token server " + realm + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(host, "interrupted while fetching a token from " + realm, e);
        }
    }

    private static HttpResponse<byte[]> getToken(HttpClient http, URI realm, Challenge c, List<String> scopes,
            Optional<Credentials> creds) throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder();
        c.param("service").ifPresent(s -> query.append("service=").append(enc(s)));
        for (String scope : scopes) {
            query.append(query.isEmpty() ? "" : "&").append("scope=").append(enc(scope));
        }
        if (creds.isPresent() && creds.get().hasPassword()) {
            query.append(query.isEmpty() ? "" : "&").append("account=").append(enc(creds.get().username()));
        }
        String base = realm.toString();
        URI uri = URI.create(query.isEmpty() ? base : base + (base.contains("?") ? "&" : "?") + query);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        creds.filter(Credentials::hasPassword).ifPresent(cr -> request.header("Authorization", basicHeader(cr)));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String basicHeader(Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
