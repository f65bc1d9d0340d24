package dev.kiln.daemon.telemetry;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal OTLP/HTTP traces receiver for tests: accepts {@code POST /v1/traces} on loopback
 * and decodes each {@code ExportTraceServiceRequest} by field number (the OTLP proto classes
 * are not on the classpath) into {@link ReceivedSpan}s.
 */
final class OtlpReceiver implements AutoCloseable {
    /** One span as it arrived; ids in hex, attributes as strings or booleans. */
    record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, long startNanos, long endNanos,
            Map<String, Object> attributes, long statusCode, String statusMessage, Map<String, Object> resource) {}

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new ArrayList<>();
    private final List<String> contentTypes = new ArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = 200;
            if (!exchange.getRequestMethod().equals("POST")) {
                status = 405;
            } else {
                synchronized (this) {
                    contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
                    spans.addAll(decode(body));
                }
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    synchronized List<String> contentTypes() {
        return List.copyOf(contentTypes);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static List<ReceivedSpan> decode(byte[] body) throws InvalidProtocolBufferException {
        List<ReceivedSpan> out = new ArrayList<>();
        for (ByteString rs : UnknownFieldSet.parseFrom(body).getField(1).getLengthDelimitedList()) {
            UnknownFieldSet resourceSpans = UnknownFieldSet.parseFrom(rs);
            Map<String, Object> resource = new LinkedHashMap<>();
            for (ByteString r : resourceSpans.getField(1).getLengthDelimitedList()) {
                resource.putAll(attributes(UnknownFieldSet.parseFrom(r).getField(1).getLengthDelimitedList()));
            }
            for (ByteString ss : resourceSpans.getField(2).getLengthDelimitedList()) {
                for (ByteString s : UnknownFieldSet.parseFrom(ss).getField(2).getLengthDelimitedList()) {
                    UnknownFieldSet span = UnknownFieldSet.parseFrom(s);
                    long code = 0;
                    String message = "";
                    for (ByteString st : span.getField(15).getLengthDelimitedList()) {
                        UnknownFieldSet status = UnknownFieldSet.parseFrom(st);
                        code = status.getField(3).getVarintList().stream().findFirst().orElse(0L);
                        message = status.getField(2).getLengthDelimitedList().stream().findFirst()
                                .map(ByteString::toStringUtf8).orElse("");
                    }
                    out.add(new ReceivedSpan(hex(span, 1), hex(span, 2), hex(span, 4), string(span, 5),
                            span.getField(7).getFixed64List().getFirst(), span.getField(8).getFixed64List().getFirst(),
                            attributes(span.getField(9).getLengthDelimitedList()), code, message, resource));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> attributes(List<ByteString> keyValues) throws InvalidProtocolBufferException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (ByteString kv : keyValues) {
            UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
            UnknownFieldSet value = UnknownFieldSet.parseFrom(pair.getField(2).getLengthDelimitedList().getFirst());
            Object v;
            if (!value.getField(1).getLengthDelimitedList().isEmpty()) {
                v = value.getField(1).getLengthDelimitedList().getFirst().toStringUtf8();
            } else if (!value.getField(2).getVarintList().isEmpty()) {
                v = value.getField(2).getVarintList().getFirst() != 0;
            } else {
                v = value.toString();
            }
            out.put(string(pair, 1), v);
        }
        return out;
    }

    private static String string(UnknownFieldSet set, int field) {
        return set.getField(field).getLengthDelimitedList().stream().findFirst().map(ByteString::toStringUtf8).orElse("");
    }

    private static String hex(UnknownFieldSet set, int field) {
        return set.getField(field).getLengthDelimitedList().stream().findFirst()
                .map(b -> HexFormat.of().formatHex(b.toByteArray())).orElse("");
    }
}
