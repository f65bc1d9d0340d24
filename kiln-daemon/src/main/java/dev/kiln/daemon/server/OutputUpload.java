package dev.kiln.daemon.server;

import com.google.protobuf.ByteString;
import dev.kiln.daemon.api.DaemonMessage;
import dev.kiln.daemon.api.OutputData;
import dev.kiln.daemon.api.OutputEnd;
import dev.kiln.session.ClientOutput;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One file output on its way to the client over its session ({@link AttachedSession#output}):
 * the bytes the engine writes become OutputData messages, sent as fast as the client takes them
 * (gRPC flow control), {@link #commit} sends OutputEnd and waits for the client's OutputDone,
 * and {@link #close} before a commit tells the client to discard the output. Created by
 * {@link AttachedSession}; used by one build thread.
 */
final class OutputUpload implements ClientOutput.Transfer {
    private static final int CHUNK = 256 * 1024;
    private final AttachedSession session;
    private final long streamId;
    private final CompletableFuture<String> done;
    private boolean ended;
    private final OutputStream stream = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, CHUNK);
                send(b, off, n);
                off += n;
                len -= n;
            }
        }
    };

    OutputUpload(AttachedSession session, long streamId, CompletableFuture<String> done) {
        this.session = session;
        this.streamId = streamId;
        this.done = done;
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    private void send(byte[] b, int off, int len) throws IOException {
        if (ended) {
            throw new IOException("the output was already ended");
        }
        failIfClientGaveUp();
        session.sendWhenReady(DaemonMessage.newBuilder().setOutputData(OutputData.newBuilder().setStreamId(streamId)
                .setData(ByteString.copyFrom(b, off, len))).build());
    }

    private void failIfClientGaveUp() throws IOException {
        if (done.isDone()) {
            String error = done.getNow("");
            throw new IOException("the client could not write the output: "
                    + (error.isEmpty() ? "it ended the output early" : error));
        }
    }

    @Override
    public void commit() throws IOException {
        failIfClientGaveUp();
        ended = true;
        session.sendWhenReady(DaemonMessage.newBuilder().setOutputEnd(OutputEnd.newBuilder().setStreamId(streamId)).build());
        String error;
        try {
            while (true) {
                try {
                    error = done.get(1, TimeUnit.SECONDS);
                    break;
                } catch (TimeoutException e) {
                    if (session.isClosed()) {
                        throw new IOException("the client went away before it had written the output");
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the client wrote the output");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        }
        if (!error.isEmpty()) {
            throw new IOException("the client could not write the output: " + error);
        }
    }

    @Override
    public void close() {
        try {
            if (!ended) {
                ended = true;
                session.endOutputQuietly(streamId, "the build did not complete this output");
            }
        } finally {
            session.forgetOutput(streamId);
        }
    }
}
