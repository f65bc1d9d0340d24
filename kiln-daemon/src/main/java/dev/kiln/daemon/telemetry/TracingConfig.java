package dev.kiln.daemon.telemetry;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where and how kilnd exports build traces, read from the standard OpenTelemetry environment
 * variables: {@code OTEL_SDK_DISABLED}, {@code OTEL_TRACES_EXPORTER}, {@code OTEL_SERVICE_NAME}
 * (default {@code kilnd}), {@code OTEL_RESOURCE_ATTRIBUTES}, and the OTLP exporter's
 * {@code OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT}, {@code _HEADERS}, {@code _TIMEOUT},
 * {@code _PROTOCOL} and {@code _COMPRESSION}, and the batch span processor's
 * {@code OTEL_BSP_SCHEDULE_DELAY} (milliseconds between exports, default 5000). Tracing is on
 * when {@code OTEL_TRACES_EXPORTER=otlp} or an OTLP endpoint is set, and off when {@code OTEL_TRACES_EXPORTER=none} or
 * {@code OTEL_SDK_DISABLED=true}. The protocol is {@code http/protobuf} (the default),
 * {@code http/json} or {@code grpc}; as the specification says, a general endpoint gets
 * {@code /v1/traces} appended for the HTTP protocols and is used as it is for gRPC, a
 * traces-specific endpoint is always used as it is, and without any endpoint the default is
 * {@code http://localhost:4318/v1/traces} (HTTP) or {@code http://localhost:4317} (gRPC). An
 * immutable value, read once at start.
 *
 * @param protocol how spans travel
 * @param tracesEndpoint where spans go: the URL they are POSTed to (HTTP, e.g. {@code
 *     http://host:4318/v1/traces}) or the collector's address (gRPC, e.g. {@code http://host:4317})
 * @param headers extra HTTP headers (gRPC metadata) sent with every export
 * @param compression {@code gzip} or {@code none}
 * @param timeout how long one export may take
 * @param scheduleDelay how long ended spans wait before the batch they are in is exported
 * @param serviceName the {@code service.name} resource attribute
 * @param resourceAttributes further resource attributes
 */
public record TracingConfig(Protocol protocol, URI tracesEndpoint, Map<String, String> headers, String compression,
        Duration timeout, Duration scheduleDelay, String serviceName, Map<String, String> resourceAttributes) {

    /** The OTLP transports of the specification, by the names {@code OTEL_EXPORTER_OTLP_PROTOCOL} uses. */
    public enum Protocol {
        GRPC("grpc", "http://localhost:4317"),
        HTTP_PROTOBUF("http/protobuf", "http://localhost:4318"),
        HTTP_JSON("http/json", "http://localhost:4318");

        private final String label;
        private final String defaultEndpoint;

        Protocol(String label, String defaultEndpoint) {
            this.label = label;
            this.defaultEndpoint = defaultEndpoint;
        }

        /** The protocol's name in the environment ({@code http/protobuf}). */
        public String label() {
            return label;
        }

        static Protocol parse(String label) {
            for (Protocol p : values()) {
                if (p.label.equals(label)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("OTLP protocol " + label
                    + " is not supported by kilnd (use grpc, http/protobuf or http/json)");
        }
    }

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
            // the specification's comma-separated list; kilnd has one exporter, otlp
            Set<String> names = new TreeSet<>();
            for (String n : exporter.split(",")) {
                if (!n.isBlank()) {
                    names.add(n.trim().toLowerCase(Locale.ROOT));
                }
            }
            if (names.equals(Set.of("none"))) {
                return Optional.empty();
            }
            if (!names.equals(Set.of("otlp"))) {
                throw new IllegalArgumentException("OTEL_TRACES_EXPORTER=" + exporter + " is not supported by kilnd (use otlp or none)");
            }
        } else if (base == null && traces == null) {
            return Optional.empty();
        }
        String label = signal(env, "PROTOCOL");
        Protocol protocol = label == null ? Protocol.HTTP_PROTOBUF : Protocol.parse(label);
        URI endpoint;
        try {
            if (traces != null) {
                endpoint = URI.create(traces);
            } else {
                String b = base == null ? protocol.defaultEndpoint : base;
                endpoint = URI.create(protocol == Protocol.GRPC ? b : b.endsWith("/") ? b + "v1/traces" : b + "/v1/traces");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("OTLP endpoint is not a URL: " + e.getMessage());
        }
        if (endpoint.getScheme() == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))
                || endpoint.getHost() == null) {
            throw new IllegalArgumentException("OTLP endpoint " + endpoint + " must be an http or https URL with a host");
        }
        String compression = signal(env, "COMPRESSION");
        if (compression == null) {
            compression = "none";
        } else if (!compression.equals("gzip") && !compression.equals("none")) {
            throw new IllegalArgumentException("OTLP compression " + compression + " is not supported (use gzip or none)");
        }
        Duration t = millis(signal(env, "TIMEOUT"), "OTLP timeout", Duration.ofSeconds(10));
        Duration delay = millis(value(env, "OTEL_BSP_SCHEDULE_DELAY"), "OTEL_BSP_SCHEDULE_DELAY", Duration.ofSeconds(5));
        String service = value(env, "OTEL_SERVICE_NAME");
        Map<String, String> headers = pairs(signal(env, "HEADERS"), "OTLP headers");
        Map<String, String> resource = pairs(value(env, "OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES");
        // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES, which wins over the default
        if (service == null) {
            service = resource.getOrDefault("service.name", "kilnd");
        }
        return Optional.of(new TracingConfig(protocol, endpoint, headers, compression, t, delay, service, resource));
    }

    private static Duration millis(String value, String what, Duration otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            long ms = Long.parseLong(value);
            if (ms < 0) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(ms);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " \"" + value + "\" is not a number of milliseconds");
        }
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
