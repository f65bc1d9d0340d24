package dev.kiln.daemon.server;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.daemon.api.BuildRecord;
import dev.kiln.daemon.api.ControlGrpc;
import dev.kiln.daemon.api.DiskUsageRequest;
import dev.kiln.daemon.api.DiskUsageResponse;
import dev.kiln.daemon.api.InfoRequest;
import dev.kiln.daemon.api.InfoResponse;
import dev.kiln.daemon.api.ListHistoryRequest;
import dev.kiln.daemon.api.ListHistoryResponse;
import dev.kiln.daemon.api.ListWorkersRequest;
import dev.kiln.daemon.api.ListWorkersResponse;
import dev.kiln.daemon.api.PruneRequest;
import dev.kiln.daemon.api.PruneResponse;
import dev.kiln.daemon.api.ResolveRequest;
import dev.kiln.daemon.api.ResolveResponse;
import dev.kiln.daemon.api.SolveRequest;
import dev.kiln.daemon.api.SolveResponse;
import dev.kiln.daemon.api.StatusRequest;
import dev.kiln.daemon.api.StatusResponse;
import dev.kiln.daemon.api.UsageRecord;
import dev.kiln.daemon.api.WorkerInfo;
import dev.kiln.engine.BuildResult;
import dev.kiln.worker.gc.PruneOptions;
import dev.kiln.worker.gc.StorageRecord;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Control gRPC service. Each Solve runs on a virtual thread of its own, so that gRPC's
 * callbacks stay free: when the call is cancelled (Ctrl-C on the client, or the client's
 * connection dropped) the build thread is interrupted and the solver stops its containers.
 */
final class ControlService extends ControlGrpc.ControlImplBase {
    /** The trailer that carries the exit code a client should exit with after a failed build. */
    static final Metadata.Key<String> EXIT_CODE = Metadata.Key.of("kiln-exit-code", Metadata.ASCII_STRING_MARSHALLER);
    private final DaemonState state;

    ControlService(DaemonState state) {
        this.state = state;
    }

    @Override
    public void solve(SolveRequest req, StreamObserver<SolveResponse> out) {
        var call = (ServerCallStreamObserver<SolveResponse>) out;
        if (req.getRef().isEmpty() || req.getSessionId().isEmpty()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("a solve needs a ref and a session id").asRuntimeException());
            return;
        }
        if (!req.hasDockerfile() && !req.hasLlb()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("a solve needs a Dockerfile or an LLB definition")
                    .asRuntimeException());
            return;
        }
        BuildTrace trace = state.traces().get(req.getRef());
        synchronized (trace) {
            if (trace.started()) {
                out.onError(Status.ALREADY_EXISTS.withDescription("build " + req.getRef() + " already ran").asRuntimeException());
                return;
            }
            trace.markStarted();
        }
        if (!state.admit()) {
            state.traces().finished(trace);
            out.onError(Status.UNAVAILABLE.withDescription("kilnd is shutting down").asRuntimeException());
            return;
        }
        AtomicBoolean cancelled = new AtomicBoolean();
        long started = System.currentTimeMillis();
        BuildRecord.Builder record = BuildRecord.newBuilder().setRef(req.getRef()).setStatus("running")
                .setStartedUnixMillis(started).addAllTags(req.getTagsList());
        state.history().started(record.build());
        Thread worker = Thread.ofVirtual().name("build-" + req.getRef()).unstarted(() -> {
            try {
                AttachedSession session = state.sessions().await(req.getSessionId(), 10_000);
                if (session == null) {
                    throw new KilnException("session " + req.getSessionId() + " is not attached to the daemon");
                }
                DaemonBuild build = new DaemonBuild(state.engine(), state.contexts(), state.allowedEntitlements(), state.metrics());
                BuildResult r = req.hasLlb() ? build.runLlb(req, session, trace) : build.run(req, session, trace);
                record.setStatus("completed").setManifestDigest(r.manifest().digest());
                out.onNext(SolveResponse.newBuilder().setManifestDigest(r.manifest().digest())
                        .setManifestMediaType(r.manifest().mediaType()).setManifestSize(r.manifest().size())
                        .setConfigDigest(r.configDigest()).addAllWarnings(r.warnings()).addAllPushed(r.pushed()).build());
                out.onCompleted();
            } catch (InterruptedException e) {
                record.setStatus("cancelled").setError("cancelled");
                fail(out, Status.CANCELLED.withDescription("cancelled"), 130);
            } catch (KilnException e) {
                boolean c = cancelled.get();
                record.setStatus(c ? "cancelled" : "failed").setError(String.valueOf(e.getMessage()));
                fail(out, (c ? Status.CANCELLED : Status.UNKNOWN).withDescription(e.getMessage()), e.exitCode());
            } catch (Throwable e) {
                boolean c = cancelled.get();
                record.setStatus(c ? "cancelled" : "failed").setError(String.valueOf(e));
                fail(out, (c ? Status.CANCELLED : Status.INTERNAL).withDescription(String.valueOf(e)), 1);
                if (!c) {
                    state.log("build " + req.getRef() + " failed: " + e);
                }
            } finally {
                record.setDurationMillis(System.currentTimeMillis() - started).addAllLogTail(trace.tail());
                state.metrics().buildFinished(record.getStatus(), record.getDurationMillis());
                state.history().finished(record.build());
                state.traces().finished(trace);
                state.done();
            }
        });
        call.setOnCancelHandler(() -> {
            cancelled.set(true);
            state.log("kilnd: build " + req.getRef() + " cancelled by its client (Ctrl-C, or the client went away)");
            worker.interrupt();
            // an interrupt that lands where a step cannot act on it is repeated until the build ends
            Thread.ofVirtual().start(() -> {
                try {
                    while (!worker.join(java.time.Duration.ofSeconds(10))) {
                        worker.interrupt();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        });
        state.track(worker);
        worker.start();
    }

    private static void fail(StreamObserver<?> out, Status status, int exitCode) {
        Metadata trailers = new Metadata();
        trailers.put(EXIT_CODE, Integer.toString(exitCode));
        try {
            out.onError(status.asRuntimeException(trailers));
        } catch (RuntimeException e) {
            // the call is gone (cancelled); nobody to tell
        }
    }

    @Override
    public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
        state.traces().get(req.getRef()).follow(req.getFromSeq(), (ServerCallStreamObserver<StatusResponse>) out);
    }

    @Override
    public void diskUsage(DiskUsageRequest req, StreamObserver<DiskUsageResponse> out) {
        try {
            DiskUsageResponse.Builder b = DiskUsageResponse.newBuilder();
            for (StorageRecord r : state.engine().storage().usage()) {
                b.addRecords(usage(r));
            }
            b.addRecords(UsageRecord.newBuilder().setId("contexts").setType("context")
                    .setDescription("the daemon's copies of client build contexts").setSize(state.contexts().size())
                    .setReclaimable(true));
            out.onNext(b.build());
            out.onCompleted();
        } catch (IOException | KilnException e) {
            out.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    static UsageRecord usage(StorageRecord r) {
        return UsageRecord.newBuilder().setId(r.id()).setType(r.type().label()).setDescription(r.description())
                .setSize(r.size()).setLastUsedUnixMillis(r.lastUsed().toEpochMilli()).setInUse(r.inUse())
                .setReclaimable(r.reclaimable()).setParent(r.parent().orElse("")).build();
    }

    @Override
    public void prune(PruneRequest req, StreamObserver<PruneResponse> out) {
        try {
            Set<StorageRecord.Type> types = EnumSet.noneOf(StorageRecord.Type.class);
            boolean contexts = req.getTypesList().isEmpty();
            for (String t : req.getTypesList()) {
                if (t.equals("context")) {
                    contexts = true;
                } else {
                    types.add(StorageRecord.Type.ofLabel(t));
                }
            }
            Duration keep = Duration.ofSeconds(Math.max(0, req.getKeepDurationSeconds()));
            PruneResponse.Builder b = PruneResponse.newBuilder();
            long total = 0;
            if (req.getTypesList().isEmpty() || !types.isEmpty()) {
                for (StorageRecord r : state.engine().storage().prune(new PruneOptions(req.getAll(), req.getKeepStorage(),
                        keep, types))) {
                    b.addRemoved(usage(r));
                    total += r.size();
                }
            }
            if (contexts) {
                long freed = state.contexts().prune(keep);
                if (freed > 0) {
                    b.addRemoved(UsageRecord.newBuilder().setId("contexts").setType("context")
                            .setDescription("idle copies of client build contexts").setSize(freed).setReclaimable(true));
                    total += freed;
                }
            }
            out.onNext(b.setReclaimed(total).build());
            out.onCompleted();
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        } catch (IOException | KilnException e) {
            out.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void listWorkers(ListWorkersRequest req, StreamObserver<ListWorkersResponse> out) {
        var cfg = state.engine().config();
        out.onNext(ListWorkersResponse.newBuilder().addWorkers(WorkerInfo.newBuilder().setId("kiln-oci")
                .addPlatforms(Platform.host().toString()).putLabels("runtime", cfg.runtime())
                .putLabels("snapshotter", state.engine().snapshotter().kind().id()).setMaxParallelism(cfg.maxParallelExec())).build());
        out.onCompleted();
    }

    @Override
    public void info(InfoRequest req, StreamObserver<InfoResponse> out) {
        out.onNext(InfoResponse.newBuilder().setVersion(state.version()).setRoot(state.engine().config().stateDir().toString())
                .setPid(ProcessHandle.current().pid()).setStartedUnixSeconds(state.startedAt().getEpochSecond())
                .setRunningBuilds(state.history().runningCount()).addAllListen(state.listening())
                .setSnapshotter(state.engine().snapshotter().describe()).build());
        out.onCompleted();
    }

    /**
     * Resolve: the engine's FROM resolution, with the registry credentials of the client's
     * session when it names one (else the daemon's). Runs on a virtual thread of its own, as
     * it may wait for the session and the registry.
     */
    @Override
    public void resolve(ResolveRequest req, StreamObserver<ResolveResponse> out) {
        Platform platform;
        try {
            platform = req.getPlatform().isEmpty() ? Platform.host() : Platform.parse(req.getPlatform());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("invalid platform \"" + req.getPlatform() + "\": "
                    + e.getMessage()).asRuntimeException());
            return;
        }
        if (req.getReference().isBlank() || req.getReference().contains("://")) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("not an image reference: \"" + req.getReference() + "\"")
                    .asRuntimeException());
            return;
        }
        Thread.ofVirtual().name("resolve-" + req.getReference()).start(() -> resolveNow(req, platform, out));
    }

    private void resolveNow(ResolveRequest req, Platform platform, StreamObserver<ResolveResponse> out) {
        try {
            dev.kiln.session.credentials.CredentialSource credentials =
                    dev.kiln.registry.dockerconfig.DockerConfig.fromEnvironment();
            if (!req.getSessionId().isEmpty()) {
                AttachedSession session = state.sessions().await(req.getSessionId(), 10_000);
                if (session == null) {
                    throw new KilnException("session " + req.getSessionId() + " is not attached to the daemon");
                }
                credentials = session.credentialSource();
            }
            var img = state.engine().resolveImage(req.getReference(), platform, credentials);
            String pinned = img.sourceIdentifier().substring(img.sourceIdentifier().indexOf("://") + 3);
            out.onNext(ResolveResponse.newBuilder().setPinnedReference(pinned)
                    .setDigest(pinned.substring(pinned.lastIndexOf('@') + 1))
                    .setImageConfig(com.google.protobuf.ByteString.copyFrom(img.config().toJson())).build());
            out.onCompleted();
        } catch (InterruptedException e) {
            out.onError(Status.CANCELLED.withDescription("cancelled").asRuntimeException());
        } catch (KilnException e) {
            Status status = e.getMessage() != null && e.getMessage().startsWith("invalid image reference")
                    ? Status.INVALID_ARGUMENT : Status.NOT_FOUND;
            out.onError(status.withDescription(e.getMessage()).asRuntimeException());
        } catch (RuntimeException e) {
            out.onError(Status.INTERNAL.withDescription(String.valueOf(e)).asRuntimeException());
        }
    }

    @Override
    public void listHistory(ListHistoryRequest req, StreamObserver<ListHistoryResponse> out) {
        out.onNext(ListHistoryResponse.newBuilder().addAllBuilds(state.history().list(req.getLimit())).build());
        out.onCompleted();
    }
}
