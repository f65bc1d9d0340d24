package dev.kiln.daemon.server;

import dev.kiln.daemon.DaemonAddress;
import dev.kiln.daemon.config.KilndConfig;
import dev.kiln.daemon.context.ContextStore;
import dev.kiln.engine.Engine;
import dev.kiln.engine.EngineConfig;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A running kilnd: one engine over the state dir for the daemon's lifetime, and a gRPC server
 * (Control and Session services) on each configured address: unix sockets (mode 0660, group
 * configurable) and TCP with mutual TLS, or plain TCP when explicitly allowed. Builds run
 * concurrently, each on its own virtual thread. The engine gets the config's GC policy, RUN
 * resource limits and registry settings (mirrors, CAs, insecure hosts).
 *
 * <p>Lifecycle: {@link #start} binds every address or fails; {@link #shutdown} stops
 * accepting builds, lets running ones finish within the grace period, cancels the rest and
 * closes the engine. After a crash (SIGKILL) the next start recovers: the engine sweeps its
 * state dir and a stale socket file is replaced.
 */
public final class Kilnd implements AutoCloseable {
    /** Netty warns that unix sockets have no SO_KEEPALIVE (gRPC's keepalive pings cover them); held so the level sticks. */
    private static final java.util.logging.Logger BOOTSTRAP_LOG =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");
    private final KilndConfig config;
    private final Engine engine;
    private final DaemonState state;
    private final List<Server> servers = new ArrayList<>();
    private final List<DaemonAddress> bound = new ArrayList<>();
    private final EventLoopGroup group;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private boolean closed;

    private Kilnd(KilndConfig config, Engine engine, DaemonState state) {
        this.config = config;
        this.engine = engine;
        this.state = state;
        this.group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    }

    /** Opens the engine and listens on every address of {@code config}; {@code log} gets the daemon's messages. */
    public static Kilnd start(KilndConfig config, Consumer<String> log) throws IOException {
        BOOTSTRAP_LOG.setLevel(java.util.logging.Level.SEVERE);
        Path root = config.root().toAbsolutePath();
        dev.kiln.engine.GcPolicy gc = config.gcPolicy();
        Engine engine = Engine.open(new EngineConfig(root, config.runtime(), config.maxParallelism(),
                config.insecureRegistries(), config.registryCertsDir(), gc, config.runLimits(), config.registries()), log);
        log.accept("kilnd: gc " + describe(gc) + "; RUN limits: " + config.runLimits()
                + (config.registries().isEmpty() ? "" : "; registry settings for " + String.join(", ", config.registries().keySet())));
        Kilnd k = null;
        try {
            ContextStore contexts = new ContextStore(root.resolve("contexts"));
            BuildHistory history = new BuildHistory(root.resolve("daemon").resolve("history"), 200);
            k = new Kilnd(config, engine, new DaemonState(engine, contexts, history, config.allowedEntitlements(), log));
            for (DaemonAddress a : config.addresses()) {
                k.listen(a, log);
            }
            return k;
        } catch (IOException | RuntimeException e) {
            if (k != null) {
                k.stopServers();
                k.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            engine.close();
            throw e;
        }
    }

    private static String describe(dev.kiln.engine.GcPolicy gc) {
        if (!gc.enabled()) {
            return "off";
        }
        List<String> parts = new ArrayList<>();
        if (gc.keepStorage() > 0) {
            parts.add("keep_storage=" + dev.kiln.worker.gc.PruneOptions.formatSize(gc.keepStorage()));
        }
        if (!gc.keepDuration().isZero()) {
            parts.add("keep_duration=" + gc.keepDuration().toSeconds() + "s");
        }
        parts.add(gc.interval().isZero() ? "after builds" : "after builds and every " + gc.interval().toSeconds() + "s");
        return String.join(" ", parts);
    }

    private void listen(DaemonAddress a, Consumer<String> log) throws IOException {
        NettyServerBuilder b;
        if (a.isUnix()) {
            Path sock = a.path().toAbsolutePath();
            prepareSocketPath(sock);
            b = NettyServerBuilder.forAddress(new DomainSocketAddress(sock.toString()))
                    .channelType(EpollServerDomainSocketChannel.class);
        } else {
            b = NettyServerBuilder.forAddress(new InetSocketAddress(a.host(), a.port()))
                    .channelType(EpollServerSocketChannel.class);
            if (config.tls() != null) {
                b.sslContext(serverTls(config.tls()));
            }
        }
        b.bossEventLoopGroup(group).workerEventLoopGroup(group).executor(executor)
                .keepAliveTime(30, TimeUnit.SECONDS).keepAliveTimeout(10, TimeUnit.SECONDS)
                .permitKeepAliveTime(5, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
                .maxInboundMessageSize(16 << 20)
                .addService(new ControlService(state)).addService(new SessionService(state.sessions()));
        Server s = b.build().start();
        servers.add(s);
        DaemonAddress actual = a;
        if (a.isUnix()) {
            Path sock = a.path().toAbsolutePath();
            Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw----"));
            if (config.socketGroup() != null) {
                setGroup(sock, config.socketGroup());
            }
        } else if (s.getListenSockets().getFirst() instanceof InetSocketAddress isa) {
            actual = new DaemonAddress("tcp", null, a.host(), isa.getPort());
        }
        if (!a.isUnix() && config.tls() == null) {
            log.accept("kilnd: WARNING: " + actual + " has no TLS: anyone who can reach it can build as root on this machine");
        }
        bound.add(actual);
        state.listening().add(actual.toString());
        log.accept("kilnd: listening on " + actual);
    }

    /** Creates the socket's directory and removes a socket left by a daemon that died, refusing to steal a live one. */
    private static void prepareSocketPath(Path sock) throws IOException {
        Path dir = sock.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x--x"));
        }
        if (!Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            throw new IOException("another daemon is listening on " + sock);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("another daemon")) {
                throw e;
            }
            Files.delete(sock);
        }
    }

    private static void setGroup(Path sock, String group) throws IOException {
        if (group.chars().allMatch(Character::isDigit)) {
            Files.setAttribute(sock, "unix:gid", Integer.parseInt(group), LinkOption.NOFOLLOW_LINKS);
        } else {
            var g = sock.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            Files.getFileAttributeView(sock, java.nio.file.attribute.PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setGroup(g);
        }
    }

    private static SslContext serverTls(KilndConfig.Tls tls) throws IOException {
        return GrpcSslContexts.forServer(tls.cert().toFile(), tls.key().toFile())
                .trustManager(tls.ca().toFile()).clientAuth(ClientAuth.REQUIRE).build();
    }

    /** The addresses the daemon listens on (with the actual port where 0 was asked). */
    public List<DaemonAddress> addresses() {
        return List.copyOf(bound);
    }

    /**
     * Serves Prometheus metrics on {@code hostPort} ({@code HOST:PORT}; port 0 picks one) at
     * {@code /metrics}; returns {@code http://HOST:PORT/metrics}.
     */
    public String serveMetrics(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid metrics address \"" + hostPort + "\": want HOST:PORT");
        }
        InetSocketAddress a = state.metrics().serve(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        return "http://" + hostPort.substring(0, colon) + ":" + a.getPort() + "/metrics";
    }

    /** How many builds are running now. */
    public int runningBuilds() {
        return state.active();
    }

    /**
     * Drains and stops: no new builds; running ones get {@code grace} to finish, then are
     * cancelled; then the servers stop and the engine closes. Idempotent.
     */
    public synchronized void shutdown(Duration grace) throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        int left = state.drain(grace, Duration.ofSeconds(20));
        if (left > 0) {
            state.log("kilnd: " + left + " build(s) did not stop after cancelling");
        }
        stopServers();
        state.metrics().close();
        state.traces().close();
        executor.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        engine.close();
        for (DaemonAddress a : bound) {
            if (a.isUnix()) {
                try {
                    Files.deleteIfExists(a.path());
                } catch (IOException e) {
                    // the next start replaces it
                }
            }
        }
    }

    private void stopServers() {
        for (Server s : servers) {
            s.shutdown();
        }
        for (Server s : servers) {
            try {
                if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
                    s.shutdownNow();
                }
            } catch (InterruptedException e) {
                s.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Shuts down with the configured grace period (an interrupt cuts the grace short and is kept). */
    @Override
    public void close() {
        try {
            shutdown(config.shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
