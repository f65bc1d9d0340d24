package dev.kiln.daemon.telemetry;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where and how kilnd exports build traces, read from the standard OpenTelemetry environment
 * variables: {@code OTEL_SDK_DISABLED}, {@code OTEL_TRACES_EXPORTER}, {@code OTEL_SERVICE_NAME}
 * (default {@code kilnd}), {@code OTEL_RESOURCE_ATTRIBUTES}, and the OTLP exporter's
 * {@code OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT}, {@code _HEADERS}, {@code _TIMEOUT} and
 * {@code _PROTOCOL}. Tracing is on when {@code OTEL_TRACES_EXPORTER=otlp} or an OTLP endpoint
 * is set, and off when {@code OTEL_TRACES_EXPORTER=none} or {@code OTEL_SDK_DISABLED=true}.
 * Only the {@code http/protobuf} protocol is supported. An immutable value, read once at start.
 *
 * @param tracesEndpoint the full URL spans are POSTed to (e.g. {@code http://host:4318/v1/traces})
 * @param headers extra HTTP headers sent with every export
 * @param timeout how long one export may take
 * @param serviceName the {@code service.name} resource attribute
 * @param resourceAttributes further resource attributes
 */
public record TracingConfig(URI tracesEndpoint, Map<String, String> headers, Duration timeout, String serviceName,
        Map<String, String> resourceAttributes) {
    private static final String DEFAULT_ENDPOINT = "http://localhost:4318";

    public TracingConfig {
        headers = Map.copyOf(headers);
        resourceAttributes = Map.copyOf(resourceAttributes);
    }

    /**
     * The configuration these variables ask for, or empty when they do not ask for traces.
     *
     * @throws IllegalArgumentException when a variable is set to something kilnd cannot honour
     */
    public static Optional<TracingConfig> fromEnvironment(Map<String, String> env) {
        if ("true".equalsIgnoreCase(value(env, "OTEL_SDK_DISABLED"))) {
            return Optional.empty();
        }
        String exporter = value(env, "OTEL_TRACES_EXPORTER");
        String base = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
        String traces = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        if (exporter != null) {
            if (exporter.equalsIgnoreCase("none")) {
                return Optional.empty();
            }
            if (!exporter.equalsIgnoreCase("otlp")) {
                throw new IllegalArgumentException("OTEL_TRACES_EXPORTER=" + exporter + " is not supported by kilnd (use otlp or none)");
            }
        } else if (base == null && traces == null) {
            return Optional.empty();
        }
        String protocol = signal(env, "PROTOCOL");
        if (protocol != null && !protocol.equals("http/protobuf")) {
            throw new IllegalArgumentException("OTLP protocol " + protocol + " is not supported by kilnd (use http/protobuf)");
        }
        URI endpoint;
        if (traces != null) {
            endpoint = URI.create(traces);
        } else {
            String b = base == null ? DEFAULT_ENDPOINT : base;
            endpoint = URI.create(b.endsWith("/") ? b + "v1/traces" : b + "/v1/traces");
        }
        if (endpoint.getScheme() == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
            throw new IllegalArgumentException("OTLP endpoint " + endpoint + " must be an http or https URL");
        }
        String timeout = signal(env, "TIMEOUT");
        Duration t;
        try {
            t = timeout == null ? Duration.ofSeconds(10) : Duration.ofMillis(Long.parseLong(timeout));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("OTLP timeout \"" + timeout + "\" is not a number of milliseconds");
        }
        String service = value(env, "OTEL_SERVICE_NAME");
        Map<String, String> headers = pairs(signal(env, "HEADERS"), "OTLP headers");
        Map<String, String> resource = pairs(value(env, "OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES");
        return Optional.of(new TracingConfig(endpoint, headers, t, service == null ? "kilnd" : service, resource));
    }

    /** The traces-specific variable if set, else the general OTLP one. */
    private static String signal(Map<String, String> env, String suffix) {
        String specific = value(env, "OTEL_EXPORTER_OTLP_TRACES_" + suffix);
        return specific != null ? specific : value(env, "OTEL_EXPORTER_OTLP_" + suffix);
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** The spec's {@code key1=value1,key2=value2} lists, values percent-decoded. */
    private static Map<String, String> pairs(String list, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        if (list == null) {
            return out;
        }
        for (String item : list.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(what + ": \"" + item.trim() + "\" is not key=value");
            }
            out.put(item.substring(0, eq).trim(),
                    URLDecoder.decode(item.substring(eq + 1).trim(), StandardCharsets.UTF_8));
        }
        return out;
    }
}
