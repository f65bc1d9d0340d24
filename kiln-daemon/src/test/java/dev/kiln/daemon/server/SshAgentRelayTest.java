package dev.kiln.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kiln.daemon.api.ClientMessage;
import dev.kiln.daemon.api.DaemonMessage;
import dev.kiln.daemon.api.SshClose;
import dev.kiln.daemon.api.SshData;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The daemon's ssh relay over an {@link AttachedSession} whose client is a stand-in that
 * answers each forwarded stream like an agent would (here: "ok:" + what it got), so the test
 * sees bytes cross in both directions, in order, per stream, and the ends of streams.
 */
@org.junit.jupiter.api.Timeout(30)
class SshAgentRelayTest {

    /** A client end: records what the daemon sends and answers SshData on the same stream. */
    static final class FakeClient implements StreamObserver<DaemonMessage> {
        final BlockingQueue<DaemonMessage> seen = new LinkedBlockingQueue<>();
        AttachedSession session;

        @Override
        public void onNext(DaemonMessage m) {
            seen.add(m);
            if (m.hasSshData()) {
                byte[] answer = ("ok:" + m.getSshData().getData().toStringUtf8()).getBytes(StandardCharsets.UTF_8);
                session.receive(ClientMessage.newBuilder().setSshData(SshData.newBuilder()
                        .setStreamId(m.getSshData().getStreamId()).setData(ByteString.copyFrom(answer))).build());
            }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }

        DaemonMessage next(DaemonMessage.MsgCase kind) throws InterruptedException {
            while (true) {
                DaemonMessage m = seen.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("a " + kind + " message").isNotNull();
                if (m.getMsgCase() == kind) {
                    return m;
                }
            }
        }
    }

    private static String exchange(SocketChannel c, String request) throws IOException {
        c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
        String expected = "ok:" + request;
        ByteBuffer buf = ByteBuffer.allocate(expected.length());
        while (buf.hasRemaining() && c.read(buf) >= 0) {
            // read the whole answer
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    @Test
    void eachConnectionIsAStreamToTheClientAndBack() throws Exception {
        FakeClient client = new FakeClient();
        AttachedSession session = new AttachedSession("s1", List.of(), List.of("default", "deploy"), client);
        client.session = session;
        Path dir;
        try (SshAgentRelay relay = SshAgentRelay.open(session)) {
            Map<String, Path> sockets = relay.sockets();
            assertThat(sockets).containsOnlyKeys("default", "deploy");
            dir = sockets.get("default").getParent();
            assertThat(Files.getPosixFilePermissions(dir)).hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");

            try (SocketChannel a = SocketChannel.open(UnixDomainSocketAddress.of(sockets.get("deploy")));
                 SocketChannel b = SocketChannel.open(UnixDomainSocketAddress.of(sockets.get("default")))) {
                assertThat(exchange(a, "first")).isEqualTo("ok:first");
                assertThat(exchange(b, "other")).isEqualTo("ok:other");
                assertThat(exchange(a, "second")).isEqualTo("ok:second");
            }
            List<DaemonMessage> opens = client.seen.stream().filter(DaemonMessage::hasSshOpen).toList();
            assertThat(opens).extracting(m -> m.getSshOpen().getId()).containsExactlyInAnyOrder("deploy", "default");
            assertThat(opens.get(0).getSshOpen().getStreamId()).isNotEqualTo(opens.get(1).getSshOpen().getStreamId());
            // the step closed both connections: the client hears both ends
            DaemonMessage c1 = client.next(DaemonMessage.MsgCase.SSH_CLOSE);
            DaemonMessage c2 = client.next(DaemonMessage.MsgCase.SSH_CLOSE);
            assertThat(List.of(c1.getSshClose().getStreamId(), c2.getSshClose().getStreamId()))
                    .containsExactlyInAnyOrderElementsOf(opens.stream().map(m -> m.getSshOpen().getStreamId()).toList());

            // the client ends a stream (its agent went away): the step's connection ends
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(sockets.get("default")))) {
                long sid = client.next(DaemonMessage.MsgCase.SSH_OPEN).getSshOpen().getStreamId();
                session.receive(ClientMessage.newBuilder().setSshClose(SshClose.newBuilder().setStreamId(sid)
                        .setError("agent gone")).build());
                assertThat(c.read(ByteBuffer.allocate(8))).isEqualTo(-1);
            }
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void theSessionEndingClosesOpenConnections() throws Exception {
        FakeClient client = new FakeClient();
        AttachedSession session = new AttachedSession("s2", List.of(), List.of("default"), client);
        client.session = session;
        try (SshAgentRelay relay = SshAgentRelay.open(session);
             SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(relay.sockets().get("default")))) {
            client.next(DaemonMessage.MsgCase.SSH_OPEN);
            session.close("the client left");
            assertThat(c.read(ByteBuffer.allocate(8))).isEqualTo(-1);
        }
    }

    @Test
    void aClientThatOffersNoSshGetsNoSockets() throws Exception {
        AttachedSession session = new AttachedSession("s3", List.of("context"), new FakeClient());
        try (SshAgentRelay relay = SshAgentRelay.open(session)) {
            assertThat(relay.sockets()).isEmpty();
        }
    }
}
