package dev.kiln.client.remote;

import dev.kiln.common.KilnException;
import dev.kiln.daemon.DaemonAddress;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The kilnd a command talks to: its address and, for TCP, the client's certificate, key and
 * the CA the daemon's certificate must chain to (mutual TLS). {@link #connect} dials it.
 *
 * @param caCert   CA for the daemon's certificate (TCP only; null for unix sockets or plain TCP)
 * @param cert     the client's certificate (PEM)
 * @param key      the client's key (PEM, PKCS#8)
 */
public record DaemonTarget(DaemonAddress address, Path caCert, Path cert, Path key) {
    /** Netty warns that unix sockets have no SO_KEEPALIVE (gRPC's own keepalive pings cover them); held so the level sticks. */
    private static final java.util.logging.Logger BOOTSTRAP_LOG =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    /**
     * The target from a {@code --addr} value or, when null, {@code KILN_HOST}; null when neither
     * is set (daemonless). TLS files default to {@code KILN_TLS_CACERT}, {@code KILN_TLS_CERT}
     * and {@code KILN_TLS_KEY}.
     */
    public static DaemonTarget resolve(String addr, Path caCert, Path cert, Path key) {
        String a = addr != null ? addr : System.getenv("KILN_HOST");
        if (a == null || a.isBlank()) {
            return null;
        }
        try {
            return new DaemonTarget(DaemonAddress.parse(a), caCert != null ? caCert : env("KILN_TLS_CACERT"),
                    cert != null ? cert : env("KILN_TLS_CERT"), key != null ? key : env("KILN_TLS_KEY"));
        } catch (IllegalArgumentException e) {
            throw new KilnException(e.getMessage());
        }
    }

    private static Path env(String name) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    /** A channel to the daemon, with keepalives so that a dead connection is noticed. Close it when done. */
    public Connection connect() {
        BOOTSTRAP_LOG.setLevel(java.util.logging.Level.SEVERE);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        NettyChannelBuilder b;
        if (address.isUnix()) {
            b = NettyChannelBuilder.forAddress(new DomainSocketAddress(address.path().toString()))
                    .channelType(EpollDomainSocketChannel.class).usePlaintext();
        } else {
            b = NettyChannelBuilder.forAddress(address.host(), address.port()).channelType(EpollSocketChannel.class);
            if (caCert == null && cert == null) {
                b.usePlaintext();
            } else {
                if (caCert == null || (cert == null) != (key == null)) {
                    group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                    throw new KilnException("TLS to kilnd needs --tlscacert, and --tlscert with --tlskey for a client "
                            + "certificate (or KILN_TLS_CACERT, KILN_TLS_CERT, KILN_TLS_KEY)");
                }
                try {
                    var ssl = GrpcSslContexts.forClient().trustManager(caCert.toFile());
                    if (cert != null) {
                        ssl.keyManager(cert.toFile(), key.toFile());
                    }
                    b.negotiationType(NegotiationType.TLS).sslContext(ssl.build());
                } catch (IOException | IllegalArgumentException e) {
                    group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                    throw new KilnException("cannot set up TLS to kilnd: " + e.getMessage(), e);
                }
            }
        }
        ManagedChannel ch = b.eventLoopGroup(group).keepAliveTime(30, TimeUnit.SECONDS).keepAliveTimeout(10, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true).maxInboundMessageSize(16 << 20).build();
        return new Connection(ch, group);
    }

    /** An open channel and its event loop; closing shuts both down. */
    public record Connection(ManagedChannel channel, EventLoopGroup group) implements AutoCloseable {
        @Override
        public void close() {
            channel.shutdownNow();
            try {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
