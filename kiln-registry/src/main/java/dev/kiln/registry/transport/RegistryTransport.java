package dev.kiln.registry.transport;

import dev.kiln.registry.auth.Authenticator;
import dev.kiln.registry.auth.Challenge;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.registry.errors.RegistryException;
import dev.kiln.registry.errors.RegistryUnreachableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * Sends {@link RegistryRequest}s: picks the scheme (HTTPS, or HTTP where
 * {@link RegistryHosts} allows it and the server does not speak TLS), attaches credentials,
 * answers a 401 challenge once through the {@link Authenticator}, and repeats requests per
 * the {@link RetryPolicy}. Responses with other statuses (2xx, 3xx, 404, 416, …) go back to
 * the caller, who decides what they mean.
 *
 * <p>Thread-safe; shared by every operation of one registry client.
 */
public final class RegistryTransport {
    private final RegistryHosts hosts;
    private final HttpClients clients;
    private final Authenticator authenticator;
    private final RetryPolicy retry;
    private static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(3);
    private final Duration probeTimeout;
    private final Map<String, String> schemes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> pinged = new ConcurrentHashMap<>();

    public RegistryTransport(RegistryHosts hosts, HttpClients clients, Authenticator authenticator, RetryPolicy retry) {
        this(hosts, clients, authenticator, retry, DEFAULT_PROBE_TIMEOUT);
    }

    RegistryTransport(RegistryHosts hosts, HttpClients clients, Authenticator authenticator, RetryPolicy retry,
            Duration probeTimeout) {
        this.probeTimeout = probeTimeout;
        this.hosts = hosts;
        this.clients = clients;
        this.authenticator = authenticator;
        this.retry = retry;
    }

    public RegistryHosts hosts() {
        return hosts;
    }

    /**
     * Sends the request and returns the response, which the caller closes.
     *
     * @throws AccessDeniedException        on 403, or 401 after answering the challenge
     * @throws RegistryUnreachableException when no connection could be made after all tries
     * @throws RegistryException            on 5xx/429 after all tries
     */
    public RegistryResponse send(RegistryRequest request, RequestObserver observer) {
        String registry = request.registry();
        String apiHost = hosts.apiHost(registry);
        if (!request.target().equals("/v2/")) {
            ping(registry, observer);
        }
        boolean answeredChallenge = false;
        int attempt = 0;
        while (true) {
            attempt++;
            URI uri = request.uri(scheme(apiHost), apiHost);
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                    .method(request.method(), request.body().get())
                    .timeout(Duration.ofMinutes(10));
            request.headers().forEach(builder::header);
            if (!request.headers().containsKey("User-Agent")) {
                builder.header("User-Agent", "kiln");
            }
            authenticator.authorization(registry, request.scopes()).ifPresent(a -> builder.header("Authorization", a));
            HttpResponse<InputStream> response;
            try {
                response = clients.forUri(uri).send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                if (isTlsFailure(e) && uri.getScheme().equals("https") && !request.absolute()) {
                    if (!isUntrustedCertificate(e) && hosts.allowsPlainHttp(apiHost)) {
                        schemes.put(apiHost, "http");
                        attempt--;
                        continue;
                    }
                    throw new RegistryUnreachableException(registry, "TLS handshake with " + apiHost + " failed: "
                            + e.getMessage() + " (put its CA in " + hosts.certsDir().resolve(apiHost)
                            + "/ca.crt, or mark the host insecure)", e);
                }
                if (retry.canRetry(attempt)) {
                    sleep(registry, retry.backoff(attempt, java.util.Optional.empty()));
                    continue;
                }
                throw new RegistryUnreachableException(registry, describe(e) + " (after " + attempt + " tries)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(registry, "interrupted while talking to " + registry, e);
            }
            int status = response.statusCode();
            observer.exchanged(request.method(), uri, status);
            RegistryResponse r = new RegistryResponse(status, response.headers(), response.body(), uri);
            if (status == 401) {
                String detail = r.errorDetail();
                if (!answeredChallenge) {
                    answeredChallenge = true;
                    if (authenticator.authenticate(registry,
                            Challenge.parseAll(response.headers().allValues("WWW-Authenticate")), request.scopes())) {
                        attempt--;
                        continue;
                    }
                }
                throw new AccessDeniedException(registry, detail);
            }
            if (status == 403) {
                throw new AccessDeniedException(registry, r.errorDetail());
            }
            if (retry.retriable(status)) {
                String detail = r.errorDetail();
                if (retry.canRetry(attempt)) {
                    sleep(registry, retry.backoff(attempt, response.headers().firstValue("Retry-After")));
                    continue;
                }
                throw new RegistryException(registry, registry + " answered " + status + " to " + request.method()
                        + " " + uri.getPath() + " after " + attempt + " tries" + (detail.isEmpty() ? "" : ": " + detail));
            }
            return r;
        }
    }

    /**
     * Once per registry, {@code GET /v2/} without credentials, as docker does: a 401 tells the
     * authenticator whether the registry wants Basic or a token (and where from) before the
     * first real request, so that parallel requests share one token instead of each being
     * refused first. A failed ping is not remembered; the real request reports the problem.
     */
    private void ping(String registry, RequestObserver observer) {
        pinged.computeIfAbsent(registry, r -> {
            String apiHost = hosts.apiHost(r);
            URI uri = URI.create(scheme(apiHost) + "://" + apiHost + "/v2/");
            try {
                HttpResponse<Void> response = clients.forUri(uri).send(HttpRequest.newBuilder(uri)
                        .header("User-Agent", "kiln").timeout(Duration.ofSeconds(30)).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                observer.exchanged("GET", uri, response.statusCode());
                if (response.statusCode() == 401) {
                    authenticator.learn(r, Challenge.parseAll(response.headers().allValues("WWW-Authenticate")));
                }
                return Boolean.TRUE;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(r, "interrupted while connecting to " + r, e);
            }
        });
    }

    /**
     * HTTPS, except for a host that allows plain HTTP and does not complete a TLS handshake
     * (the answer is probed once per host with {@code GET /v2/} and remembered): a server that
     * answers the TLS hello with garbage, closes the connection, or does not answer within
     * three seconds. An untrusted certificate keeps HTTPS, so that the request fails
     * with a clear TLS error rather than silently going unencrypted.
     */
    private String scheme(String apiHost) {
        if (hosts.usesPlainHttp(apiHost)) {
            return "http";
        }
        if (!hosts.allowsPlainHttp(apiHost)) {
            return "https";
        }
        return schemes.computeIfAbsent(apiHost, host -> {
            try (java.net.http.HttpClient probe = clients.probe(host, probeTimeout)) {
                probe.send(HttpRequest.newBuilder(URI.create("https://" + host + "/v2/")).timeout(probeTimeout).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                return "https";
            } catch (java.net.http.HttpTimeoutException e) {
                return "http";
            } catch (IOException e) {
                return isTlsFailure(e) && !isUntrustedCertificate(e) ? "http" : "https";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(host, "interrupted while connecting to " + host, e);
            }
        });
    }

    private static void sleep(String registry, Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(registry, "interrupted while waiting to retry a request to " + registry, e);
        }
    }

    private static boolean isTlsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUntrustedCertificate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(IOException e) {
        String msg = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (msg == null ? "" : " (" + msg + ")");
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "connection timed out";
        }
        return e.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }
}
