package dev.kiln.testkit.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP traces receiver on loopback for tests, standing in for an OpenTelemetry collector:
 * {@link #http()} accepts {@code POST /v1/traces} with an {@code ExportTraceServiceRequest} as
 * protobuf ({@code application/x-protobuf}) or as OTLP JSON ({@code application/json}), gzipped
 * or not;
 * {@link #grpc()} serves the OTLP {@code TraceService/Export} call. Either way the spans are
 * decoded (with the OTLP proto classes, or by the OTLP JSON mapping) into {@link ReceivedSpan}s
 * that tests wait for and inspect, with the request headers (or gRPC metadata) seen. Started by
 * its factory, stopped by {@link #close}. Thread-safe.
 */
public final class OtlpTraceReceiver implements AutoCloseable {
    /**
     * One span as it arrived.
     *
     * @param traceId hex
     * @param spanId hex
     * @param parentSpanId hex, empty for a root span
     * @param attributes string, boolean, long or double values by key
     * @param statusCode 0 unset, 1 ok, 2 error
     * @param resource the attributes of the span's resource
     */
    public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, long startNanos,
            long endNanos, Map<String, Object> attributes, long statusCode, String statusMessage,
            Map<String, Object> resource) {
        /** True for a root span (no parent). */
        public boolean isRoot() {
            return parentSpanId.isEmpty();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The metadata of the gRPC call being handled on this thread (set around the service method). */
    private static final ThreadLocal<Map<String, String>> CURRENT_METADATA = ThreadLocal.withInitial(Map::of);
    private final List<ReceivedSpan> spans = new ArrayList<>();
    private final List<String> contentTypes = new ArrayList<>();
    private final List<Map<String, String>> headers = new ArrayList<>();
    private HttpServer http;
    private Server grpc;

    private OtlpTraceReceiver() {}

    /** An OTLP/HTTP receiver (protobuf and JSON) on a free loopback port. */
    public static OtlpTraceReceiver http() throws IOException {
        OtlpTraceReceiver r = new OtlpTraceReceiver();
        r.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        r.http.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (var in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
            }
            String type = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
            int status = 200;
            try {
                if (!exchange.getRequestMethod().equals("POST")) {
                    status = 405;
                } else {
                    Map<String, String> h = new LinkedHashMap<>();
                    exchange.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v.getFirst()));
                    List<ReceivedSpan> got = type.startsWith("application/json") ? fromJson(JSON.readTree(body))
                            : fromProto(ExportTraceServiceRequest.parseFrom(body));
                    r.received(type, h, got);
                }
            } catch (IOException | RuntimeException e) {
                status = 400;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        r.http.start();
        return r;
    }

    /** An OTLP/gRPC receiver (plaintext) on a free loopback port. */
    public static OtlpTraceReceiver grpc() throws IOException {
        OtlpTraceReceiver r = new OtlpTraceReceiver();
        TraceServiceGrpc.TraceServiceImplBase service = new TraceServiceGrpc.TraceServiceImplBase() {
            @Override
            public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
                r.received("application/grpc", CURRENT_METADATA.get(), fromProto(request));
                out.onNext(ExportTraceServiceResponse.getDefaultInstance());
                out.onCompleted();
            }
        };
        ServerInterceptor metadata = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata md, ServerCallHandler<Q, A> next) {
                Map<String, String> h = new LinkedHashMap<>();
                for (String key : md.keys()) {
                    if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                        h.put(key, md.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
                    }
                }
                ServerCall.Listener<Q> delegate = next.startCall(call, md);
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                    @Override
                    public void onHalfClose() {
                        CURRENT_METADATA.set(h);
                        try {
                            super.onHalfClose();
                        } finally {
                            CURRENT_METADATA.remove();
                        }
                    }
                };
            }
        };
        r.grpc = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(service, metadata)).build().start();
        return r;
    }

    /** {@code http://127.0.0.1:PORT}: the receiver's base endpoint ({@code OTEL_EXPORTER_OTLP_ENDPOINT}). */
    public String endpoint() {
        int port = http != null ? http.getAddress().getPort() : grpc.getPort();
        return "http://127.0.0.1:" + port;
    }

    private synchronized void received(String contentType, Map<String, String> requestHeaders, List<ReceivedSpan> got) {
        contentTypes.add(contentType);
        headers.add(Map.copyOf(requestHeaders));
        spans.addAll(got);
        notifyAll();
    }

    /** Every span received so far. */
    public synchronized List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** The content type of every export request so far ({@code application/grpc} for gRPC). */
    public synchronized List<String> contentTypes() {
        return List.copyOf(contentTypes);
    }

    /** The headers (lower-case names) or gRPC metadata of every export request so far. */
    public synchronized List<Map<String, String>> headers() {
        return List.copyOf(headers);
    }

    /**
     * Waits until the spans received satisfy {@code done}, then returns them all.
     *
     * @throws AssertionError when they do not within {@code timeout}, listing what did arrive
     */
    public synchronized List<ReceivedSpan> await(Predicate<List<ReceivedSpan>> done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(List.copyOf(spans))) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the OTLP receiver did not get the expected spans within " + timeout
                        + "; it got: " + spans.stream().map(ReceivedSpan::name).toList());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        if (grpc != null) {
            grpc.shutdownNow();
            try {
                grpc.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static List<ReceivedSpan> fromProto(ExportTraceServiceRequest request) {
        List<ReceivedSpan> out = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Map<String, Object> resource = attributes(rs.getResource().getAttributesList());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    out.add(new ReceivedSpan(hex.formatHex(s.getTraceId().toByteArray()), hex.formatHex(s.getSpanId().toByteArray()),
                            hex.formatHex(s.getParentSpanId().toByteArray()), s.getName(), s.getStartTimeUnixNano(),
                            s.getEndTimeUnixNano(), attributes(s.getAttributesList()), s.getStatus().getCodeValue(),
                            s.getStatus().getMessage(), resource));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> attributes(List<KeyValue> list) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            AnyValue v = kv.getValue();
            out.put(kv.getKey(), switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case BOOL_VALUE -> v.getBoolValue();
                case INT_VALUE -> v.getIntValue();
                case DOUBLE_VALUE -> v.getDoubleValue();
                default -> v.toString();
            });
        }
        return out;
    }

    /** The OTLP/JSON mapping: lowerCamelCase fields, hex ids, 64-bit integers as strings, enums as numbers. */
    static List<ReceivedSpan> fromJson(JsonNode request) {
        List<ReceivedSpan> out = new ArrayList<>();
        for (JsonNode rs : request.path("resourceSpans")) {
            Map<String, Object> resource = attributes(rs.path("resource").path("attributes"));
            for (JsonNode ss : rs.path("scopeSpans")) {
                for (JsonNode s : ss.path("spans")) {
                    out.add(new ReceivedSpan(s.path("traceId").asText().toLowerCase(Locale.ROOT),
                            s.path("spanId").asText().toLowerCase(Locale.ROOT),
                            s.path("parentSpanId").asText("").toLowerCase(Locale.ROOT), s.path("name").asText(),
                            s.path("startTimeUnixNano").asLong(), s.path("endTimeUnixNano").asLong(),
                            attributes(s.path("attributes")), s.path("status").path("code").asLong(0),
                            s.path("status").path("message").asText(""), resource));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> attributes(JsonNode list) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (JsonNode kv : list) {
            JsonNode v = kv.path("value");
            Object value;
            if (v.has("stringValue")) {
                value = v.get("stringValue").asText();
            } else if (v.has("boolValue")) {
                value = v.get("boolValue").asBoolean();
            } else if (v.has("intValue")) {
                value = v.get("intValue").asLong();
            } else if (v.has("doubleValue")) {
                value = v.get("doubleValue").asDouble();
            } else {
                value = v.toString();
            }
            out.put(kv.path("key").asText(), value);
        }
        return out;
    }
}
