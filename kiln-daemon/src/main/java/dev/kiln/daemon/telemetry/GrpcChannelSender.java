package dev.kiln.daemon.telemetry;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The transport of kilnd's OTLP/gRPC span exporter: the SDK's {@link GrpcSender} SPI carried
 * by grpc-java (the netty-shaded transport the daemon serves its own API with), so that
 * {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc} needs neither okhttp nor the SDK's
 * {@code opentelemetry-exporter-sender-grpc-managed-channel}, which is not published for the
 * SDK version kilnd uses. The SDK's exporter encodes the {@code ExportTraceServiceRequest};
 * this class sends those bytes as one unary call with the configured metadata, deadline and
 * compression, and hands back the status and response bytes. Created by {@link #provider()}
 * when the exporter is built; {@link #shutdown} closes its channel. Thread-safe.
 */
final class GrpcChannelSender implements GrpcSender {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final GrpcSenderConfig config;
    private final ManagedChannel channel;
    private final MethodDescriptor<byte[], byte[]> method;

    private GrpcChannelSender(GrpcSenderConfig config) {
        this.config = config;
        URI endpoint = config.getEndpoint();
        boolean tls = "https".equals(endpoint.getScheme());
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : tls ? 443 : 80;
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forAddress(endpoint.getHost(), port);
        this.channel = (tls ? builder.useTransportSecurity() : builder.usePlaintext()).build();
        this.method = MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(config.getFullMethodName()).setRequestMarshaller(BYTES).setResponseMarshaller(BYTES)
                .build();
    }

    /** The provider the exporter asks for its sender (kilnd hands it over; no service file is read). */
    static GrpcSenderProvider provider() {
        return GrpcChannelSender::new;
    }

    @Override
    public void send(MessageWriter writer, Consumer<GrpcResponse> onResponse, Consumer<Throwable> onError) {
        byte[] request;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, writer.getContentLength()));
            writer.writeMessage(out);
            request = out.toByteArray();
        } catch (IOException | RuntimeException e) {
            onError.accept(e);
            return;
        }
        CallOptions options = CallOptions.DEFAULT;
        if (config.getTimeout() != null && !config.getTimeout().isZero()) {
            options = options.withDeadlineAfter(config.getTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (config.getCompressor() != null) {
            options = options.withCompression(config.getCompressor().getEncoding());
        }
        Metadata metadata = new Metadata();
        if (config.getHeadersSupplier() != null) {
            for (Map.Entry<String, List<String>> h : config.getHeadersSupplier().get().entrySet()) {
                Metadata.Key<String> key = Metadata.Key.of(h.getKey(), Metadata.ASCII_STRING_MARSHALLER);
                h.getValue().forEach(v -> metadata.put(key, v));
            }
        }
        ClientCall<byte[], byte[]> call = channel.newCall(method, options);
        try {
            call.start(new ClientCall.Listener<>() {
                private byte[] response = new byte[0];

                @Override
                public void onMessage(byte[] message) {
                    response = message;
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    String description = status.getDescription() != null ? status.getDescription()
                            : status.getCause() != null ? String.valueOf(status.getCause()) : "";
                    onResponse.accept(new Response(GrpcStatusCode.fromValue(status.getCode().value()), description, response));
                }
            }, metadata);
            call.request(1);
            call.sendMessage(request);
            call.halfClose();
        } catch (RuntimeException e) {
            call.cancel("sending the spans failed", e);
            onError.accept(e);
        }
    }

    @Override
    public CompletableResultCode shutdown() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
        return CompletableResultCode.ofSuccess();
    }

    private record Response(GrpcStatusCode getStatusCode, String getStatusDescription, byte[] getResponseMessage)
            implements GrpcResponse {}
}
