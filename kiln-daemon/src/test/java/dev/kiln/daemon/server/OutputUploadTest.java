package dev.kiln.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.daemon.api.ClientMessage;
import dev.kiln.daemon.api.DaemonMessage;
import dev.kiln.daemon.api.OutputDone;
import dev.kiln.session.ClientOutput;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon's side of an output sent to the client ({@link AttachedSession#output}, {@link OutputUpload})
 * over a session whose client end is a recording stand-in: what goes on the wire, that a commit
 * waits for the client's OutputDone and fails with its error, and that an abandoned or failed
 * output tells the client to discard it.
 */
@Timeout(30)
class OutputUploadTest {
    private final BlockingQueue<DaemonMessage> sent = new LinkedBlockingQueue<>();
    private final AttachedSession session = new AttachedSession("s1", List.of(), new StreamObserver<>() {
        @Override
        public void onNext(DaemonMessage m) {
            sent.add(m);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    });

    private DaemonMessage next() throws InterruptedException {
        DaemonMessage m = sent.poll(10, TimeUnit.SECONDS);
        assertThat(m).as("a message to the client").isNotNull();
        return m;
    }

    private void clientSays(long streamId, String error) {
        session.receive(ClientMessage.newBuilder().setOutputDone(OutputDone.newBuilder().setStreamId(streamId)
                .setError(error)).build());
    }

    @Test
    void bytesTravelInOrderAndCommitWaitsForTheClient() throws Exception {
        byte[] payload = new byte[700_000];
        new Random(7).nextBytes(payload);
        ClientOutput.Transfer t = session.output(2).open(ClientOutput.Kind.DIRECTORY);
        DaemonMessage open = next();
        assertThat(open.hasOutputOpen()).isTrue();
        assertThat(open.getOutputOpen().getIndex()).isEqualTo(2);
        assertThat(open.getOutputOpen().getDirectory()).isTrue();
        long sid = open.getOutputOpen().getStreamId();
        t.stream().write(payload);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < payload.length) {
            DaemonMessage m = next();
            assertThat(m.getOutputData().getStreamId()).isEqualTo(sid);
            assertThat(m.getOutputData().getData().size()).isLessThanOrEqualTo(256 * 1024);
            m.getOutputData().getData().writeTo(got);
        }
        assertThat(got.toByteArray()).isEqualTo(payload);

        CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
            try {
                t.commit();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        DaemonMessage end = next();
        assertThat(end.getOutputEnd().getStreamId()).isEqualTo(sid);
        assertThat(end.getOutputEnd().getError()).isEmpty();
        Thread.sleep(200);
        assertThat(commit).as("the commit waits until the client has the output in place").isNotDone();
        clientSays(sid, "");
        commit.get(10, TimeUnit.SECONDS);
        t.close();
        assertThat(sent).as("a committed output is not ended twice").isEmpty();
    }

    @Test
    void theClientsFailureFailsTheCommitAndLaterWrites() throws Exception {
        ClientOutput.Transfer t = session.output(0).open(ClientOutput.Kind.FILE);
        long sid = next().getOutputOpen().getStreamId();
        clientSays(sid, "writing out/img.tar: No space left on device");
        assertThatThrownBy(() -> t.stream().write(new byte[10])).isInstanceOf(IOException.class)
                .hasMessageContaining("No space left on device");
        assertThatThrownBy(t::commit).hasMessageContaining("No space left on device");
        t.close();
    }

    @Test
    void anOutputClosedWithoutCommitIsDiscardedByTheClient() throws Exception {
        ClientOutput.Transfer t = session.output(1).open(ClientOutput.Kind.FILE);
        long sid = next().getOutputOpen().getStreamId();
        t.stream().write(new byte[] {1, 2, 3});
        next();
        t.close();
        DaemonMessage end = next();
        assertThat(end.getOutputEnd().getStreamId()).isEqualTo(sid);
        assertThat(end.getOutputEnd().getError()).isNotEmpty();
    }

    @Test
    void aCommitFailsWhenTheClientLeaves() throws Exception {
        ClientOutput.Transfer t = session.output(0).open(ClientOutput.Kind.FILE);
        next();
        CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
            try {
                t.commit();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        next();
        session.close("CANCELLED");
        assertThatThrownBy(() -> commit.get(10, TimeUnit.SECONDS)).hasMessageContaining("the client went away");
        t.close();
    }
}
