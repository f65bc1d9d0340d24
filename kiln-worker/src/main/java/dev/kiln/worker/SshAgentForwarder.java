package dev.kiln.worker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Forwards a socket that a RUN step sees ({@code RUN --mount=type=ssh}) to the client's ssh-agent,
 * as BuildKit's ssh forwarder does: the container never sees the client's own socket path, and the
 * socket it does see has the owner and mode the Dockerfile asked for ({@code uid}, {@code gid},
 * {@code mode}). Each connection is joined byte for byte to a new connection to the agent by two
 * virtual threads; the agent protocol itself is not interpreted.
 *
 * <p>Lifecycle: {@link #start} listens; {@link #close} stops accepting, closes every open
 * connection and deletes the socket file. One per ssh mount of a step.
 */
final class SshAgentForwarder implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path socket;
    private final Path agent;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private SshAgentForwarder(ServerSocketChannel server, Path socket, Path agent) {
        this.server = server;
        this.socket = socket;
        this.agent = agent;
        this.acceptor = Thread.ofVirtual().name("ssh-forward-" + socket.getFileName()).start(this::acceptLoop);
    }

    /** Listens on {@code socket} (owned by {@code uid:gid}, {@code mode}) and forwards to {@code agent}. */
    static SshAgentForwarder start(Path socket, Path agent, int mode, int uid, int gid) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setAttribute(socket, "unix:uid", uid);
            Files.setAttribute(socket, "unix:gid", gid);
            Files.setAttribute(socket, "unix:mode", mode & 07777);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(socket);
            throw e;
        }
        return new SshAgentForwarder(server, socket, agent);
    }

    /** The socket the container connects to. */
    Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(client);
            SocketChannel upstream;
            try {
                upstream = SocketChannel.open(UnixDomainSocketAddress.of(agent));
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            open.add(upstream);
            Thread.ofVirtual().start(() -> pump(client, upstream));
            Thread.ofVirtual().start(() -> pump(upstream, client));
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
        open.remove(c);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        acceptor.interrupt();
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the tmpfs holding it is unmounted next
        }
    }
}
