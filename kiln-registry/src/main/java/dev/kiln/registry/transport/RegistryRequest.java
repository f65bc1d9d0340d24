package dev.kiln.registry.transport;

import java.net.URI;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One request to a registry's API, before scheme, authentication and retries are applied by
 * {@link RegistryTransport}.
 *
 * @param method   HTTP method
 * @param registry the registry host as written in image references ({@code docker.io},
 *                 {@code 127.0.0.1:5000}); selects credentials and TLS settings
 * @param target   a path with query ({@code /v2/app/manifests/1}) resolved against the
 *                 registry's API host, or an absolute URL (an upload {@code Location})
 * @param headers  extra headers
 * @param body     makes a fresh body for each try (bodies must be repeatable for retries)
 * @param scopes   token scopes the request needs, e.g. {@code repository:app:pull,push}
 */
public record RegistryRequest(String method, String registry, String target, Map<String, String> headers,
        Supplier<BodyPublisher> body, List<String> scopes) {

    public RegistryRequest {
        headers = Map.copyOf(headers);
        scopes = List.copyOf(scopes);
    }

    public static RegistryRequest of(String method, String registry, String target, List<String> scopes) {
        return new RegistryRequest(method, registry, target, Map.of(), BodyPublishers::noBody, scopes);
    }

    public RegistryRequest header(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new RegistryRequest(method, registry, target, h, body, scopes);
    }

    public RegistryRequest body(Supplier<BodyPublisher> newBody) {
        return new RegistryRequest(method, registry, target, headers, newBody, scopes);
    }

    /** Whether {@link #target} is an absolute URL rather than a path. */
    public boolean absolute() {
        return target.startsWith("http://") || target.startsWith("https://");
    }

    URI uri(String scheme, String apiHost) {
        return absolute() ? URI.create(target) : URI.create(scheme + "://" + apiHost + target);
    }
}
