package dev.kiln.client.remote;

import com.google.protobuf.ByteString;
import dev.kiln.daemon.api.ClientMessage;
import dev.kiln.daemon.api.CredentialsReply;
import dev.kiln.daemon.api.DaemonMessage;
import dev.kiln.daemon.api.Failure;
import dev.kiln.daemon.api.FileData;
import dev.kiln.daemon.api.FileList;
import dev.kiln.daemon.api.Hello;
import dev.kiln.daemon.api.OutputDone;
import dev.kiln.daemon.api.OutputOpen;
import dev.kiln.export.OutputSpec;
import dev.kiln.daemon.api.SecretReply;
import dev.kiln.daemon.api.SessionGrpc;
import dev.kiln.daemon.api.SshClose;
import dev.kiln.daemon.api.SshData;
import dev.kiln.daemon.context.FileEntry;
import dev.kiln.session.credentials.CredentialSource;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's end of a Session stream: it says Hello, then answers the daemon's questions
 * from this machine — listings and file content of the directories it offers (the context,
 * after .dockerignore), secrets and registry credentials, which so never leave the client
 * unless the daemon asks for them for a build. It also connects the daemon's forwarded
 * ssh-agent streams to the agent sockets it offers ({@code --ssh}): keys stay in the local agent,
 * only agent protocol messages travel. The build's file outputs come back over the stream and
 * are written here where this client said ({@link OutputDownload}): the daemon names an output by
 * its index in the request, never by a path. Sending waits for the stream to be ready (flow control),
 * so a large context never piles up in memory. Lives for one build; {@link #close} ends the
 * stream and every forwarded agent connection.
 */
public final class SessionClient implements AutoCloseable {
    private static final int CHUNK = 256 * 1024;
    private static final int BATCH = 1000;
    private final String id;
    private final Map<String, Path> dirs;
    private final Map<String, ContextWalker> walkers;
    private final Map<String, byte[]> secrets;
    private final CredentialSource credentials;
    private final Map<String, Path> sshAgents;
    private final Map<Long, AgentConnection> agentConnections = new ConcurrentHashMap<>();
    private final List<OutputSpec> outputs;
    private final Map<Long, OutputDownload> downloads = new ConcurrentHashMap<>();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final Condition ready = sendLock.newCondition();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<ClientMessage> out;
    private volatile boolean closed;

    public SessionClient(String id, Map<String, Path> dirs, Map<String, ContextWalker> walkers, Map<String, byte[]> secrets,
                         CredentialSource credentials) {
        this(id, dirs, walkers, secrets, credentials, Map.of());
    }

    /** @param sshAgents the agent socket per ssh id this client offers ({@code --ssh}, resolved on this machine) */
    public SessionClient(String id, Map<String, Path> dirs, Map<String, ContextWalker> walkers, Map<String, byte[]> secrets,
                         CredentialSource credentials, Map<String, Path> sshAgents) {
        this(id, dirs, walkers, secrets, credentials, sshAgents, List.of());
    }

    /**
     * @param outputs the build's outputs in the order of the SolveRequest: the file outputs among
     *     them (oci, docker, tar, local) are written by this client at their {@code dest}, resolved
     *     against this process's working directory ({@code -} is stdout)
     */
    public SessionClient(String id, Map<String, Path> dirs, Map<String, ContextWalker> walkers, Map<String, byte[]> secrets,
                         CredentialSource credentials, Map<String, Path> sshAgents, List<OutputSpec> outputs) {
        this.outputs = List.copyOf(outputs);
        this.sshAgents = Map.copyOf(sshAgents);
        this.id = id;
        this.dirs = Map.copyOf(dirs);
        this.walkers = Map.copyOf(walkers);
        this.secrets = Map.copyOf(secrets);
        this.credentials = credentials;
    }

    /** Opens the stream on {@code channel} and says Hello. */
    public void attach(Channel channel) {
        SessionGrpc.newStub(channel).attach(new ClientResponseObserver<ClientMessage, DaemonMessage>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ClientMessage> requestStream) {
                out = requestStream;
                requestStream.setOnReadyHandler(() -> {
                    sendLock.lock();
                    try {
                        ready.signalAll();
                    } finally {
                        sendLock.unlock();
                    }
                });
            }

            @Override
            public void onNext(DaemonMessage m) {
                switch (m.getMsgCase()) {
                    // agent streams in arrival order, without blocking: each connection has its own writer
                    case SSH_OPEN -> openAgent(m.getSshOpen().getStreamId(), m.getSshOpen().getId());
                    case SSH_DATA -> {
                        AgentConnection c = agentConnections.get(m.getSshData().getStreamId());
                        if (c != null) {
                            c.toAgent.add(m.getSshData().getData().toByteArray());
                        }
                    }
                    case SSH_CLOSE -> {
                        AgentConnection c = agentConnections.remove(m.getSshClose().getStreamId());
                        if (c != null) {
                            c.toAgent.add(AgentConnection.END);
                        }
                    }
                    // outputs in arrival order; a full queue holds this callback up (flow control)
                    case OUTPUT_OPEN -> openOutput(m.getOutputOpen());
                    case OUTPUT_DATA -> {
                        OutputDownload d = downloads.get(m.getOutputData().getStreamId());
                        if (d != null) {
                            d.data(m.getOutputData().getData().toByteArray());
                        }
                    }
                    case OUTPUT_END -> {
                        OutputDownload d = downloads.get(m.getOutputEnd().getStreamId());
                        if (d != null) {
                            d.end(m.getOutputEnd().getError());
                        }
                    }
                    // answer on a thread of its own: a file transfer must not hold up gRPC's callbacks
                    default -> Thread.ofVirtual().name("session-" + m.getMsgCase()).start(() -> answer(m));
                }
            }

            @Override
            public void onError(Throwable t) {
                end();
                ended.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                end();
                ended.complete(null);
            }
        });
        send(ClientMessage.newBuilder().setHello(Hello.newBuilder().setSessionId(id).addAllDirs(dirs.keySet())
                .addAllSshIds(sshAgents.keySet())).build());
    }

    /** One forwarded connection to a local agent: a reader thread sends what the agent says, a writer writes what the daemon sends. */
    private static final class AgentConnection {
        static final byte[] END = new byte[0];
        final SocketChannel channel;
        final BlockingQueue<byte[]> toAgent = new LinkedBlockingQueue<>();

        AgentConnection(SocketChannel channel) {
            this.channel = channel;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    private void openAgent(long streamId, String sshId) {
        Path socket = sshAgents.get(sshId);
        if (socket == null) {
            closeAgentStream(streamId, "this client offers no ssh agent \"" + sshId + "\"");
            return;
        }
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeAgentStream(streamId, "cannot connect to the ssh agent " + sshId + " at " + socket + ": " + e.getMessage());
            return;
        }
        AgentConnection c = new AgentConnection(ch);
        agentConnections.put(streamId, c);
        Thread.ofVirtual().name("ssh-agent-write-" + streamId).start(() -> {
            try {
                while (true) {
                    byte[] b = c.toAgent.take();
                    if (b == AgentConnection.END) {
                        break;
                    }
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the agent went away: the reader sees it
            } finally {
                c.close();
            }
        });
        Thread.ofVirtual().name("ssh-agent-read-" + streamId).start(() -> {
            String error = "";
            try {
                ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
                while (ch.read(buf) >= 0) {
                    if (buf.position() > 0) {
                        send(ClientMessage.newBuilder().setSshData(SshData.newBuilder().setStreamId(streamId)
                                .setData(ByteString.copyFrom(buf.array(), 0, buf.position()))).build());
                        buf.clear();
                    }
                }
            } catch (IOException e) {
                error = ch.isOpen() ? String.valueOf(e.getMessage()) : "";
            } finally {
                c.close();
                if (agentConnections.remove(streamId) != null) {
                    closeAgentStream(streamId, error);
                }
            }
        });
    }

    private void openOutput(OutputOpen open) {
        long sid = open.getStreamId();
        int index = open.getIndex();
        OutputSpec spec = index < outputs.size() ? outputs.get(index) : null;
        if (spec == null || !OutputSpec.FILE_TYPES.contains(spec.type()) || spec.dest() == null
                || open.getDirectory() != spec.type().equals("local")) {
            outputDone(sid, "this client asked for no such file output (#" + index + ")");
            return;
        }
        downloads.put(sid, OutputDownload.start(spec.type() + "-" + index, spec.dest(), open.getDirectory(), error -> {
            downloads.remove(sid);
            outputDone(sid, error.isEmpty() ? "" : "writing " + spec.dest() + ": " + error);
        }));
    }

    private void outputDone(long streamId, String error) {
        send(ClientMessage.newBuilder().setOutputDone(OutputDone.newBuilder().setStreamId(streamId).setError(error)).build());
    }

    /** Discards every output not yet complete (the session ended): nothing half-written stays at a dest. */
    private void abortOutputs(String reason) {
        for (Long sid : List.copyOf(downloads.keySet())) {
            OutputDownload d = downloads.remove(sid);
            if (d != null) {
                d.abort(reason);
            }
        }
    }

    private void closeAgentStream(long streamId, String error) {
        send(ClientMessage.newBuilder().setSshClose(SshClose.newBuilder().setStreamId(streamId).setError(error)).build());
    }

    private void end() {
        closeAgents();
        abortOutputs("the session with the daemon ended");
        closed = true;
        sendLock.lock();
        try {
            ready.signalAll();
        } finally {
            sendLock.unlock();
        }
    }

    private void closeAgents() {
        for (Long sid : java.util.List.copyOf(agentConnections.keySet())) {
            AgentConnection c = agentConnections.remove(sid);
            if (c != null) {
                c.toAgent.add(AgentConnection.END);
                c.close();
            }
        }
    }

    private void answer(DaemonMessage m) {
        long rid = 0;
        try {
            switch (m.getMsgCase()) {
                case LIST_FILES -> {
                    rid = m.getListFiles().getRequestId();
                    list(rid, m.getListFiles().getDir());
                }
                case SEND_FILES -> {
                    rid = m.getSendFiles().getRequestId();
                    sendFiles(rid, m.getSendFiles().getDir(), m.getSendFiles().getPathsList());
                }
                case SECRET -> {
                    rid = m.getSecret().getRequestId();
                    byte[] v = secrets.get(m.getSecret().getId());
                    SecretReply.Builder r = SecretReply.newBuilder().setRequestId(rid).setFound(v != null);
                    if (v != null) {
                        r.setValue(ByteString.copyFrom(v));
                    }
                    send(ClientMessage.newBuilder().setSecret(r).build());
                }
                case CREDENTIALS -> {
                    rid = m.getCredentials().getRequestId();
                    CredentialsReply.Builder r = CredentialsReply.newBuilder().setRequestId(rid);
                    credentials.lookup(m.getCredentials().getHost()).ifPresent(c -> r.setFound(true)
                            .setUsername(c.username()).setSecret(c.secret()).setIdentityToken(c.identityToken()));
                    send(ClientMessage.newBuilder().setCredentials(r).build());
                }
                default -> { }
            }
        } catch (IOException | RuntimeException e) {
            try {
                send(ClientMessage.newBuilder().setFailure(Failure.newBuilder().setRequestId(rid)
                        .setMessage(String.valueOf(e.getMessage()))).build());
            } catch (RuntimeException ignored) {
                // the stream is gone; the daemon notices that itself
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void list(long rid, String dir) throws IOException, InterruptedException {
        ContextWalker w = walkers.get(dir);
        if (w == null) {
            throw new IOException("this client offers no directory \"" + dir + "\"");
        }
        List<FileEntry> entries = w.walk();
        for (int i = 0; i < entries.size() || i == 0; i += BATCH) {
            FileList.Builder b = FileList.newBuilder().setRequestId(rid);
            for (FileEntry e : entries.subList(i, Math.min(entries.size(), i + BATCH))) {
                b.addFiles(e.toProto());
            }
            b.setLast(i + BATCH >= entries.size());
            sendWhenReady(ClientMessage.newBuilder().setFiles(b).build());
        }
    }

    private void sendFiles(long rid, String dir, List<String> paths) throws IOException, InterruptedException {
        Path root = dirs.get(dir);
        if (root == null) {
            throw new IOException("this client offers no directory \"" + dir + "\"");
        }
        byte[] buf = new byte[CHUNK];
        for (String p : paths) {
            if (!FileEntry.safe(p)) {
                throw new IOException("the daemon asked for an unsafe path \"" + p + "\"");
            }
            Path f = root.resolve(p);
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(p + " is no longer a regular file in " + root);
            }
            try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
                int n = in.readNBytes(buf, 0, CHUNK);
                while (true) {
                    byte[] chunk = java.util.Arrays.copyOf(buf, n);
                    int next = n == CHUNK ? in.readNBytes(buf, 0, CHUNK) : 0;
                    boolean eof = n < CHUNK || next == 0;
                    sendWhenReady(ClientMessage.newBuilder().setData(FileData.newBuilder().setRequestId(rid).setPath(p)
                            .setChunk(ByteString.copyFrom(chunk)).setEof(eof)).build());
                    if (eof) {
                        break;
                    }
                    n = next;
                }
            }
        }
        sendWhenReady(ClientMessage.newBuilder().setData(FileData.newBuilder().setRequestId(rid).setDone(true)).build());
    }

    /** Sends once the transport can take more (gRPC's flow control), so memory stays bounded. */
    private void sendWhenReady(ClientMessage m) throws InterruptedException, IOException {
        sendLock.lock();
        try {
            while (!closed && !out.isReady()) {
                ready.await(1, java.util.concurrent.TimeUnit.SECONDS);
            }
            if (closed) {
                throw new IOException("the session with the daemon ended");
            }
            out.onNext(m);
        } finally {
            sendLock.unlock();
        }
    }

    private void send(ClientMessage m) {
        sendLock.lock();
        try {
            if (!closed) {
                out.onNext(m);
            }
        } finally {
            sendLock.unlock();
        }
    }

    /** Ends the stream. */
    @Override
    public void close() {
        closeAgents();
        abortOutputs("the build ended before the output was complete");
        sendLock.lock();
        try {
            if (!closed) {
                closed = true;
                out.onCompleted();
            }
        } catch (RuntimeException e) {
            // already gone
        } finally {
            sendLock.unlock();
        }
    }

    /** The stream's end, for callers that want to know the daemon hung up. */
    public Optional<Throwable> failure() {
        return ended.isCompletedExceptionally() ? Optional.of(ended.exceptionNow()) : Optional.empty();
    }
}
