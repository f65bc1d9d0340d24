package dev.kiln.daemon.server;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The daemon's end of ssh-agent forwarding for one build ({@code RUN --mount=type=ssh} through
 * kilnd): for each ssh id the client offered in its Hello, a unix socket in a fresh 0700
 * directory of the daemon's. Each connection made to such a socket (by the worker's per-step
 * forwarder) is carried over the client's session stream as one ssh stream (see session.proto):
 * bytes read from the connection go to the client, bytes the client's agent answers are written
 * back in order. Keys never reach the daemon, only agent protocol messages.
 *
 * <p>Lifecycle: {@link #open} before the build, hand {@link #sockets} to the engine as the build's
 * agents, {@link #close} after: it stops listening, closes open connections (and with them their
 * streams) and removes the directory.
 */
final class SshAgentRelay implements AutoCloseable {
    private static final int BUFFER = 16 * 1024;
    private static final byte[] END = new byte[0];
    private final AttachedSession session;
    private final Path dir;
    private final Map<String, Path> sockets = new LinkedHashMap<>();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();

    private SshAgentRelay(AttachedSession session, Path dir) {
        this.session = session;
        this.dir = dir;
    }

    /** Listens for each ssh id {@code session} offers; a relay with no sockets when it offers none. */
    static SshAgentRelay open(AttachedSession session) throws IOException {
        if (session.sshIds().isEmpty()) {
            return new SshAgentRelay(session, null);
        }
        Path dir = Files.createTempDirectory("kilnd-ssh-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        SshAgentRelay relay = new SshAgentRelay(session, dir);
        try {
            int n = 0;
            for (String id : session.sshIds().stream().sorted().toList()) {
                Path sock = dir.resolve("agent-" + n++ + ".sock");
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                relay.listeners.add(server);
                server.bind(UnixDomainSocketAddress.of(sock));
                Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-------"));
                relay.sockets.put(id, sock);
                Thread.ofVirtual().name("kilnd-ssh-accept-" + id).start(() -> relay.accept(id, server));
            }
            return relay;
        } catch (IOException | RuntimeException e) {
            relay.close();
            throw e;
        }
    }

    /** The socket per ssh id, for the build's grants. */
    Map<String, Path> sockets() {
        return Map.copyOf(sockets);
    }

    private void accept(String id, ServerSocketChannel server) {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            connections.add(c);
            Thread.ofVirtual().name("kilnd-ssh-" + id).start(() -> relay(id, c));
        }
    }

    /** Carries one connection: this thread reads the step's side, a second one writes the client's answers. */
    private void relay(String id, SocketChannel c) {
        BlockingQueue<byte[]> toStep = new LinkedBlockingQueue<>();
        long stream;
        try {
            stream = session.openSsh(id, new AttachedSession.SshStream() {
                @Override
                public void data(byte[] bytes) {
                    toStep.add(bytes);
                }

                @Override
                public void closed(String error) {
                    toStep.add(END);
                }
            });
        } catch (IOException e) {
            closeQuietly(c);
            return;
        }
        Thread writer = Thread.ofVirtual().name("kilnd-ssh-write-" + id).start(() -> {
            try {
                while (true) {
                    byte[] b = toStep.take();
                    if (b == END) {
                        break;
                    }
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        c.write(buf);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the step went away: the reader below sees the closed channel
            } finally {
                closeQuietly(c);
            }
        });
        String error = "";
        try {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            while (c.read(buf) >= 0) {
                if (buf.position() > 0) {
                    session.sendSsh(stream, Arrays.copyOf(buf.array(), buf.position()));
                    buf.clear();
                }
            }
        } catch (IOException e) {
            error = c.isOpen() ? String.valueOf(e.getMessage()) : "";
        } finally {
            session.closeSsh(stream, error);
            toStep.add(END);
            try {
                writer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(c);
            connections.remove(c);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing
        }
    }

    @Override
    public void close() {
        for (ServerSocketChannel s : listeners) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
        for (SocketChannel c : List.copyOf(connections)) {
            closeQuietly(c);
        }
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // an empty temp dir left behind holds nothing
            }
        }
    }
}
