package dev.kiln.daemon.server;

import dev.kiln.daemon.api.ClientMessage;
import dev.kiln.daemon.api.CredentialsQuery;
import dev.kiln.daemon.api.DaemonMessage;
import dev.kiln.daemon.api.FileData;
import dev.kiln.daemon.api.ListFiles;
import dev.kiln.daemon.api.SecretQuery;
import dev.kiln.daemon.api.SendFiles;
import dev.kiln.daemon.context.FileEntry;
import dev.kiln.daemon.context.FileSource;
import com.google.protobuf.ByteString;
import dev.kiln.daemon.api.SshClose;
import dev.kiln.daemon.api.SshData;
import dev.kiln.daemon.api.SshOpen;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import dev.kiln.daemon.api.OutputEnd;
import dev.kiln.daemon.api.OutputOpen;
import dev.kiln.session.ClientOutput;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.InterruptedIOException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's end of one client's Session stream: it asks the client questions (list a
 * directory, send files, a secret, registry credentials) and routes each answer to the build
 * thread that asked, by request id; it also carries forwarded ssh-agent connections
 * ({@link #openSsh}), each a stream of bytes in both directions, and the build's file outputs
 * ({@link #output}), streamed to the client, which writes them. Lives from the client's Hello
 * until the stream ends; once it ended every pending and later question fails with an
 * IOException and every ssh stream is closed. Thread-safe.
 */
public final class AttachedSession {
    private static final Object END = new Object();
    private final String id;
    private final StreamObserver<DaemonMessage> out;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Object>> answers = new ConcurrentHashMap<>();
    private final Map<Long, List<FileEntry>> listings = new ConcurrentHashMap<>();
    private final Map<Long, BlockingQueue<Object>> transfers = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile String closeReason;

    private final java.util.Set<String> dirs;
    private final java.util.Set<String> sshIds;
    private final Map<Long, SshStream> sshStreams = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<String>> outputsDone = new ConcurrentHashMap<>();
    private final Object readiness = new Object();

    /** The daemon's side of one forwarded ssh-agent connection: what the client sends for it. */
    interface SshStream {
        /** Bytes from the client's agent, in order. Called on gRPC's thread: must not block. */
        void data(byte[] bytes);

        /** The client ended the stream (or the session ended); {@code error} is empty for an orderly close. */
        void closed(String error);
    }

    AttachedSession(String id, java.util.Collection<String> dirs, StreamObserver<DaemonMessage> out) {
        this(id, dirs, java.util.List.of(), out);
    }

    AttachedSession(String id, java.util.Collection<String> dirs, java.util.Collection<String> sshIds,
                    StreamObserver<DaemonMessage> out) {
        this.id = id;
        this.dirs = java.util.Set.copyOf(dirs);
        this.sshIds = java.util.Set.copyOf(sshIds);
        this.out = out;
    }

    /** The ssh ids the client offers for {@code RUN --mount=type=ssh} (said in its Hello). */
    public java.util.Set<String> sshIds() {
        return sshIds;
    }

    /** The directories the client offers (said in its Hello). */
    public java.util.Set<String> dirs() {
        return dirs;
    }

    public String id() {
        return id;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Completes when the stream ended (the client left or the daemon closed it). */
    public CompletableFuture<Void> closedFuture() {
        return closed;
    }

    /** Asks the client for the listing of {@code dir}, after its ignore rules. */
    public List<FileEntry> listFiles(String dir) throws IOException, InterruptedException {
        long rid = ids.incrementAndGet();
        listings.put(rid, new ArrayList<>());
        try {
            await(rid, DaemonMessage.newBuilder().setListFiles(ListFiles.newBuilder().setRequestId(rid).setDir(dir)).build());
            return listings.get(rid);
        } finally {
            listings.remove(rid);
        }
    }

    /** A {@link FileSource} that asks the client for files of {@code dir}. */
    public FileSource files(String dir) {
        return (paths, sink) -> {
            long rid = ids.incrementAndGet();
            BlockingQueue<Object> q = new ArrayBlockingQueue<>(64);
            transfers.put(rid, q);
            try {
                send(DaemonMessage.newBuilder().setSendFiles(SendFiles.newBuilder().setRequestId(rid).setDir(dir)
                        .addAllPaths(paths)).build());
                while (true) {
                    Object o = q.poll(1, TimeUnit.SECONDS);
                    if (o == null) {
                        if (isClosed()) {
                            throw new IOException("the client went away: " + closeReason);
                        }
                        continue;
                    }
                    if (o == END) {
                        return;
                    }
                    if (o instanceof String failure) {
                        throw new IOException("the client could not send files: " + failure);
                    }
                    FileData d = (FileData) o;
                    if (d.getDone()) {
                        return;
                    }
                    byte[] bytes = d.getChunk().toByteArray();
                    sink.chunk(d.getPath(), bytes, 0, bytes.length, d.getEof());
                }
            } finally {
                transfers.remove(rid);
            }
        };
    }

    /** Asks the client for a secret. */
    public Optional<byte[]> secret(String secretId) throws IOException, InterruptedException {
        long rid = ids.incrementAndGet();
        Object a = await(rid, DaemonMessage.newBuilder().setSecret(SecretQuery.newBuilder().setRequestId(rid).setId(secretId))
                .build());
        var r = (dev.kiln.daemon.api.SecretReply) a;
        return r.getFound() ? Optional.of(r.getValue().toByteArray()) : Optional.empty();
    }

    /** Asks the client for its credentials for a registry host. */
    public Optional<Credentials> credentials(String host) throws IOException, InterruptedException {
        long rid = ids.incrementAndGet();
        Object a = await(rid, DaemonMessage.newBuilder().setCredentials(CredentialsQuery.newBuilder().setRequestId(rid)
                .setHost(host)).build());
        var r = (dev.kiln.daemon.api.CredentialsReply) a;
        return r.getFound() ? Optional.of(new Credentials(r.getUsername(), r.getSecret(), r.getIdentityToken()))
                : Optional.empty();
    }

    /**
     * The client's registry credentials as a {@link CredentialSource} for the engine: each host
     * is asked over the stream; an unanswerable question (the client left) means no credentials.
     */
    public CredentialSource credentialSource() {
        return host -> {
            try {
                return credentials(host);
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        };
    }

    /**
     * Opens a forwarded connection to the client's ssh agent {@code sshId}: registers {@code stream}
     * for what the client sends back, then asks the client to connect. Returns the stream id.
     */
    long openSsh(String sshId, SshStream stream) throws IOException {
        long sid = ids.incrementAndGet();
        sshStreams.put(sid, stream);
        try {
            send(DaemonMessage.newBuilder().setSshOpen(SshOpen.newBuilder().setStreamId(sid).setId(sshId)).build());
        } catch (IOException e) {
            sshStreams.remove(sid);
            throw e;
        }
        return sid;
    }

    /** Sends bytes a build step wrote to a forwarded agent connection. */
    void sendSsh(long streamId, byte[] bytes) throws IOException {
        send(DaemonMessage.newBuilder().setSshData(SshData.newBuilder().setStreamId(streamId)
                .setData(ByteString.copyFrom(bytes))).build());
    }

    /** Ends a forwarded agent connection from the daemon's side (the step closed it); quiet if the stream is gone. */
    void closeSsh(long streamId, String error) {
        if (sshStreams.remove(streamId) == null) {
            return;
        }
        try {
            send(DaemonMessage.newBuilder().setSshClose(SshClose.newBuilder().setStreamId(streamId).setError(error)).build());
        } catch (IOException e) {
            // the session ended: the client closed its side already
        }
    }

    /**
     * Output number {@code index} of the client's SolveRequest, written by the client where it
     * said (the daemon never learns the path): each {@link ClientOutput#open} sends OutputOpen and
     * returns an {@link OutputUpload}.
     */
    public ClientOutput output(int index) {
        return kind -> {
            long sid = ids.incrementAndGet();
            CompletableFuture<String> done = new CompletableFuture<>();
            outputsDone.put(sid, done);
            try {
                send(DaemonMessage.newBuilder().setOutputOpen(OutputOpen.newBuilder().setStreamId(sid).setIndex(index)
                        .setDirectory(kind == ClientOutput.Kind.DIRECTORY)).build());
            } catch (IOException e) {
                outputsDone.remove(sid);
                throw e;
            }
            return new OutputUpload(this, sid, done);
        };
    }

    /** Tells the client to discard an output; quiet when the session already ended. */
    void endOutputQuietly(long streamId, String error) {
        try {
            send(DaemonMessage.newBuilder().setOutputEnd(OutputEnd.newBuilder().setStreamId(streamId).setError(error)).build());
        } catch (IOException e) {
            // the client left: it discards unfinished outputs itself
        }
    }

    void forgetOutput(long streamId) {
        outputsDone.remove(streamId);
    }

    /** gRPC says the stream can take more: wakes senders waiting in {@link #sendWhenReady}. */
    void ready() {
        synchronized (readiness) {
            readiness.notifyAll();
        }
    }

    /** Sends once the transport can take more (gRPC's flow control), so a large output never piles up in memory. */
    void sendWhenReady(DaemonMessage m) throws IOException {
        if (out instanceof ServerCallStreamObserver<DaemonMessage> call) {
            synchronized (readiness) {
                while (!call.isReady() && !isClosed()) {
                    try {
                        readiness.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while sending to the client");
                    }
                }
            }
        }
        send(m);
    }

    private Object await(long rid, DaemonMessage question) throws IOException, InterruptedException {
        CompletableFuture<Object> f = new CompletableFuture<>();
        answers.put(rid, f);
        try {
            send(question);
            Object a = f.get();
            if (a instanceof String failure) {
                throw new IOException(failure);
            }
            return a;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } finally {
            answers.remove(rid);
        }
    }

    private void send(DaemonMessage m) throws IOException {
        synchronized (out) {
            if (isClosed()) {
                throw new IOException("the client went away: " + closeReason);
            }
            out.onNext(m);
        }
    }

    /** Routes one message from the client. Called by gRPC, one message at a time. */
    void receive(ClientMessage m) {
        switch (m.getMsgCase()) {
            case FILES -> {
                long rid = m.getFiles().getRequestId();
                List<FileEntry> l = listings.get(rid);
                if (l == null) {
                    return;
                }
                try {
                    for (var s : m.getFiles().getFilesList()) {
                        l.add(FileEntry.fromProto(s));
                    }
                } catch (IllegalArgumentException e) {
                    complete(rid, "bad listing: " + e.getMessage());
                    return;
                }
                if (m.getFiles().getLast()) {
                    complete(rid, Boolean.TRUE);
                }
            }
            case DATA -> offer(m.getData().getRequestId(), m.getData());
            case SECRET -> complete(m.getSecret().getRequestId(), m.getSecret());
            case CREDENTIALS -> complete(m.getCredentials().getRequestId(), m.getCredentials());
            case SSH_DATA -> {
                SshStream s = sshStreams.get(m.getSshData().getStreamId());
                if (s != null) {
                    s.data(m.getSshData().getData().toByteArray());
                }
            }
            case SSH_CLOSE -> {
                SshStream s = sshStreams.remove(m.getSshClose().getStreamId());
                if (s != null) {
                    s.closed(m.getSshClose().getError());
                }
            }
            case OUTPUT_DONE -> {
                CompletableFuture<String> f = outputsDone.get(m.getOutputDone().getStreamId());
                if (f != null) {
                    f.complete(m.getOutputDone().getError());
                }
            }
            case FAILURE -> {
                long rid = m.getFailure().getRequestId();
                complete(rid, m.getFailure().getMessage());
                offer(rid, m.getFailure().getMessage());
            }
            default -> { }
        }
    }

    private void complete(long rid, Object answer) {
        CompletableFuture<Object> f = answers.get(rid);
        if (f != null) {
            f.complete(answer);
        }
    }

    /** Hands a chunk to the waiting build thread, waiting while its queue is full (flow control). */
    private void offer(long rid, Object item) {
        BlockingQueue<Object> q = transfers.get(rid);
        try {
            while (q != null && !q.offer(item, 200, TimeUnit.MILLISECONDS)) {
                q = transfers.get(rid);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the session: fails what is pending. */
    void close(String reason) {
        synchronized (out) {
            closeReason = reason;
            closed.complete(null);
        }
        for (CompletableFuture<Object> f : answers.values()) {
            f.complete("the client went away: " + reason);
        }
        for (BlockingQueue<Object> q : transfers.values()) {
            q.offer("the client went away: " + reason);
        }
        for (CompletableFuture<String> f : outputsDone.values()) {
            f.complete("the client went away: " + reason);
        }
        ready();
        for (Long sid : List.copyOf(sshStreams.keySet())) {
            SshStream s = sshStreams.remove(sid);
            if (s != null) {
                s.closed("the client went away: " + reason);
            }
        }
    }
}
