package dev.kiln.daemon.server;

import dev.kiln.daemon.api.ClientMessage;
import dev.kiln.daemon.api.DaemonMessage;
import dev.kiln.daemon.api.SessionGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The Session gRPC service: each Attach stream becomes an {@link AttachedSession} in the
 * registry once the client said Hello, and leaves it when the stream ends for any reason.
 * gRPC's "ready" signal of the stream is passed on to the session, whose output uploads wait
 * for it (flow control towards the client).
 */
final class SessionService extends SessionGrpc.SessionImplBase {
    private final SessionRegistry registry;

    SessionService(SessionRegistry registry) {
        this.registry = registry;
    }

    @Override
    public StreamObserver<ClientMessage> attach(StreamObserver<DaemonMessage> out) {
        Attach in = new Attach(out);
        if (out instanceof ServerCallStreamObserver<DaemonMessage> call) {
            call.setOnReadyHandler(in::ready);
        }
        return in;
    }

    /** One Attach stream, from the client's side. */
    private final class Attach implements StreamObserver<ClientMessage> {
        private final StreamObserver<DaemonMessage> out;
        private volatile AttachedSession session;

        Attach(StreamObserver<DaemonMessage> out) {
            this.out = out;
        }

        @Override
        public void onNext(ClientMessage m) {
            if (session == null) {
                if (!m.hasHello() || m.getHello().getSessionId().isEmpty()) {
                    out.onError(Status.INVALID_ARGUMENT.withDescription("a session starts with Hello").asRuntimeException());
                    return;
                }
                session = new AttachedSession(m.getHello().getSessionId(), m.getHello().getDirsList(),
                        m.getHello().getSshIdsList(), out);
                registry.add(session);
                return;
            }
            session.receive(m);
        }

        @Override
        public void onError(Throwable t) {
            end(Status.fromThrowable(t).getCode().toString());
        }

        @Override
        public void onCompleted() {
            end("the client closed the session");
            synchronized (out) {
                out.onCompleted();
            }
        }

        void ready() {
            AttachedSession s = session;
            if (s != null) {
                s.ready();
            }
        }

        private void end(String reason) {
            AttachedSession s = session;
            if (s != null) {
                registry.remove(s);
                s.close(reason);
            }
        }
    }
}
