package dev.kiln.registry.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A registry's answer whose body has not been read yet. The caller reads {@link #body()} or
 * one of the helpers, and closes the response (which closes the connection's stream).
 */
public final class RegistryResponse implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final int status;
    private final HttpHeaders headers;
    private final InputStream body;
    private final URI uri;

    RegistryResponse(int status, HttpHeaders headers, InputStream body, URI uri) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.uri = uri;
    }

    public int status() {
        return status;
    }

    public URI uri() {
        return uri;
    }

    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }

    public InputStream body() {
        return body;
    }

    public byte[] bodyBytes() {
        try (body) {
            return body.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code Location} header resolved against the request URI; empty when absent. */
    public Optional<String> location() {
        return header("Location").map(l -> uri.resolve(l).toString());
    }

    /**
     * The distribution-spec error of the body ({@code CODE: message}), or the start of the
     * body text, or empty. Reads and closes the body.
     */
    public String errorDetail() {
        return describeError(bodyBytes());
    }

    static String describeError(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        try {
            JsonNode errors = JSON.readTree(bytes).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                StringBuilder b = new StringBuilder();
                for (JsonNode e : errors) {
                    b.append(b.isEmpty() ? "" : "; ").append(e.path("code").asText("").toLowerCase(java.util.Locale.ROOT)
                            .replace('_', ' ')).append(": ").append(e.path("message").asText(""));
                }
                return b.toString();
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // the connection is gone anyway
        }
    }
}
