package dev.kiln.client.remote;

import com.google.protobuf.ByteString;
import dev.kiln.common.KilnException;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.daemon.ProgressCodec;
import dev.kiln.daemon.api.ControlGrpc;
import dev.kiln.daemon.api.DockerfileFrontend;
import dev.kiln.daemon.api.Event;
import dev.kiln.daemon.api.LlbSolve;
import dev.kiln.daemon.api.Output;
import dev.kiln.daemon.api.SolveRequest;
import dev.kiln.daemon.api.SolveResponse;
import dev.kiln.daemon.api.StatusRequest;
import dev.kiln.daemon.api.StatusResponse;
import dev.kiln.engine.BuildRequest;
import dev.kiln.engine.BuildResult;
import dev.kiln.engine.Engine;
import dev.kiln.engine.SshAgents;
import dev.kiln.dockerfile.convert.ImageMetaResolver;
import dev.kiln.dockerfile.instructions.Warning;
import dev.kiln.common.Platform;
import dev.kiln.export.OutputSpec;
import dev.kiln.llb.Definition;
import dev.kiln.llb.LlbCodec;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.dockerconfig.DockerConfig;
import dev.kiln.session.IgnorePatterns;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code kiln --addr … build}: the same {@link BuildRequest} as a daemonless build, sent to
 * kilnd. It attaches a session that serves the context (walked after .dockerignore; the
 * daemon fetches only what changed since its last build of this directory), secrets, the
 * user's registry credentials (this machine's docker config and credential helpers: the daemon
 * asks for them per registry, for every pull, push and cache transfer of the build) and the
 * {@code --ssh} agents (resolved or started here; the daemon forwards each agent connection
 * over the session) and the file outputs, which the daemon streams back and this client writes
 * where the user said ({@code dest} relative to this directory, {@code -} for stdout); local caches
 * ({@code --cache-from type=local,src=DIR}, {@code --cache-to type=local,dest=DIR}) likewise stay
 * here: the session offers a source directory, the daemon sends an export back. It follows the build's Status stream into the same progress display
 * (reconnecting from the last event seen if the stream drops), and calls Solve. Interrupting
 * the calling thread (Ctrl-C) cancels the Solve call, and with it the build in the daemon.
 * {@link #solve} does the same for a raw LLB definition built in Java. {@link #check} runs
 * {@code --check} here, without the daemon.
 */
public final class RemoteBuild {
    private static final Metadata.Key<String> EXIT_CODE = Metadata.Key.of("kiln-exit-code", Metadata.ASCII_STRING_MARSHALLER);

    private RemoteBuild() {}

    public static BuildResult run(DaemonTarget target, BuildRequest req, ProgressSink progress)
            throws InterruptedException, IOException {
        Path context = req.contextDir().toAbsolutePath().normalize();
        if (!Files.isDirectory(context)) {
            throw new KilnException("unable to prepare context: path \"" + req.contextDir() + "\" not found");
        }
        Path dockerfile = (req.dockerfile() != null ? req.dockerfile() : context.resolve("Dockerfile")).toAbsolutePath();
        DockerfileFrontend.Builder df = DockerfileFrontend.newBuilder();
        try {
            df.setDockerfile(ByteString.copyFrom(Files.readAllBytes(dockerfile)));
        } catch (NoSuchFileException e) {
            throw new KilnException("failed to read dockerfile: open " + dockerfile + ": no such file or directory");
        }
        String dfName = dockerfile.getFileName().toString();
        Path specificIgnore = dockerfile.resolveSibling(dfName + ".dockerignore");
        IgnorePatterns ignore;
        try {
            ignore = IgnorePatterns.load(context, dockerfile);
        } catch (IllegalArgumentException e) {
            throw new KilnException(e.getMessage(), e);
        }
        if (Files.isRegularFile(specificIgnore)) {
            df.setDockerfileIgnore(ByteString.copyFrom(Files.readAllBytes(specificIgnore)));
        }
        df.setDockerfileName(dfName).putAllBuildArgs(req.buildArgs()).setTarget(req.target().orElse(""))
                .setNoCache(req.noCache()).addAllNoCacheFilter(req.noCacheFilter()).putAllBuildContexts(req.buildContexts())
                .setPlatform(req.platform().toString()).setContextKey(contextKey(context));
        req.sourceDateEpoch().ifPresent(t -> df.setSourceDateEpoch(t.getEpochSecond()));
        df.addAllSecretIds(req.grants().secrets().keySet()).addAllEntitlements(req.grants().entitlements());
        // local caches stay on this machine: a source is offered as session dir cache-from-I, an export comes
        // back as an extra file output after the build's own (see ClientCaches in kilnd)
        Map<String, Path> cacheDirs = new LinkedHashMap<>();
        for (int i = 0; i < req.cacheFrom().size(); i++) {
            var c = req.cacheFrom().get(i);
            if (c.type().equals("local")) {
                Path src = Path.of(c.attrs().get("src")).toAbsolutePath().normalize();
                if (Files.isDirectory(src)) {
                    cacheDirs.put("cache-from-" + i, src);
                }
                df.addCacheFrom(Output.newBuilder().setType(c.type()).putAllAttrs(c.attrs()).putAttrs("src", src.toString()));
            } else {
                df.addCacheFrom(Output.newBuilder().setType(c.type()).putAllAttrs(absolute(c.attrs())));
            }
        }
        List<OutputSpec> sessionOutputs = new ArrayList<>(req.outputs());
        for (var c : req.cacheTo()) {
            if (c.type().equals("local")) {
                sessionOutputs.add(new OutputSpec("local", Map.of("dest", c.attrs().get("dest"))));
                df.addCacheTo(Output.newBuilder().setType(c.type()).putAllAttrs(c.attrs()));
            } else {
                df.addCacheTo(Output.newBuilder().setType(c.type()).putAllAttrs(absolute(c.attrs())));
            }
        }
        SolveRequest.Builder solve = SolveRequest.newBuilder().setDockerfile(df);
        for (ImageReference t : req.tags()) {
            solve.addTags(t.toString());
        }
        req.outputs().forEach(o -> solve.addOutputs(output(o)));
        ContextWalker walker = new ContextWalker(context, ignore, Files.isRegularFile(specificIgnore) ? null : ".dockerignore");
        try (SshAgents agents = SshAgents.start(req.grants().ssh(), System.getenv())) {
            return execute(target, solve, context, walker, cacheDirs, req.grants().secrets(), agents.sockets(),
                    sessionOutputs, progress);
        }
    }

    /**
     * {@code kiln --addr … build --check}: the build checks need only the Dockerfile, its build args,
     * the context's ignore file and the base images' configs, so they run here. Base images are
     * resolved by the daemon at {@code target} (its Resolve call: image store, then registries with
     * this client's credentials), as a daemonless check resolves them; when the daemon cannot be
     * reached or does not find an image, that image counts as one with an empty config (a check
     * that reads a variable from its ENV may then say more than the daemonless check).
     */
    public static List<Warning> check(DaemonTarget target, BuildRequest req) {
        return Engine.checks(req, new DaemonImages(target));
    }

    /**
     * Base images for client-side checks, resolved by the daemon; an image the daemon cannot give
     * (unreachable, unknown) falls back to {@link #UNRESOLVED_IMAGES}. One look-up per reference.
     */
    private static final class DaemonImages implements ImageMetaResolver {
        private final DaemonTarget target;
        private final java.util.Map<String, BaseImage> seen = new java.util.HashMap<>();
        private boolean unreachable;

        DaemonImages(DaemonTarget target) {
            this.target = target;
        }

        @Override
        public BaseImage resolveImage(String reference, Platform platform) {
            return seen.computeIfAbsent(reference + " " + platform, k -> {
                if (!unreachable) {
                    try {
                        RemoteImageResolver.Resolution r = RemoteImageResolver.resolve(target, reference, platform);
                        return new BaseImage("docker-image://" + r.pinnedReference(), r.config());
                    } catch (RuntimeException e) {
                        // not found, or no daemon: the image stays unresolved; without a daemon, stop asking
                        unreachable |= String.valueOf(e.getMessage()).contains("connection to kilnd");
                    }
                }
                return UNRESOLVED_IMAGES.resolveImage(reference, platform);
            });
        }

        @Override
        public BaseImage resolveNamedContext(String name, String value, Platform platform) {
            if (value.startsWith("docker-image://")) {
                return resolveImage(value.substring("docker-image://".length()), platform);
            }
            return UNRESOLVED_IMAGES.resolveNamedContext(name, value, platform);
        }
    }

    /** Base images for client-side checks: named as written, with an empty config for the platform. */
    private static final ImageMetaResolver UNRESOLVED_IMAGES = new ImageMetaResolver() {
        @Override
        public BaseImage resolveImage(String reference, Platform platform) {
            try {
                return new BaseImage("docker-image://" + ImageReference.parse(reference), ImageConfig.scratch(platform));
            } catch (IllegalArgumentException e) {
                throw new KilnException("invalid image reference \"" + reference + "\": " + e.getMessage());
            }
        }

        @Override
        public BaseImage resolveNamedContext(String name, String value, Platform platform) {
            if (value.startsWith("docker-image://")) {
                return resolveImage(value.substring("docker-image://".length()), platform);
            }
            return new BaseImage(value, ImageConfig.scratch(platform));
        }
    };

    /**
     * Solves a raw LLB definition on the daemon and exports its root as an image with
     * {@code config} (null: an empty config for the platform): the Java client's way to build
     * without a Dockerfile. {@code context} (may be null) is offered to {@code local://context}
     * sources, synced like a Dockerfile build's context.
     */
    public static BuildResult solve(DaemonTarget target, Definition definition, ImageConfig config, Path context,
                                    List<ImageReference> tags, List<OutputSpec> outputs, Platform platform,
                                    Optional<Instant> sourceDateEpoch, ProgressSink progress)
            throws InterruptedException, IOException {
        LlbSolve.Builder llb = LlbSolve.newBuilder().setDefinition(ByteString.copyFrom(LlbCodec.encode(definition)))
                .setPlatform(platform.toString());
        if (config != null) {
            llb.setImageConfig(ByteString.copyFrom(ImageJson.write(config)));
        }
        sourceDateEpoch.ifPresent(t -> llb.setSourceDateEpoch(t.getEpochSecond()));
        Path ctx = context == null ? null : context.toAbsolutePath().normalize();
        if (ctx != null) {
            llb.setContextKey(contextKey(ctx));
        }
        SolveRequest.Builder solve = SolveRequest.newBuilder().setLlb(llb);
        tags.forEach(t -> solve.addTags(t.toString()));
        outputs.forEach(o -> solve.addOutputs(output(o)));
        return execute(target, solve, ctx, ctx == null ? null : new ContextWalker(ctx, IgnorePatterns.none(), null), Map.of(),
                Map.of(), Map.of(), outputs, progress);
    }

    /** @param extraDirs further directories the session offers as they are (local cache sources), by name */
    private static BuildResult execute(DaemonTarget target, SolveRequest.Builder solve, Path context, ContextWalker walker,
                                       Map<String, Path> extraDirs, Map<String, byte[]> secrets, Map<String, Path> sshAgents, List<OutputSpec> outputs,
                                       ProgressSink progress)
            throws InterruptedException, IOException {
        String ref = UUID.randomUUID().toString();
        String sessionId = UUID.randomUUID().toString();
        solve.setRef(ref).setSessionId(sessionId);
        Map<String, Path> dirs = new LinkedHashMap<>(extraDirs);
        Map<String, ContextWalker> walkers = new LinkedHashMap<>();
        extraDirs.forEach((name, dir) -> walkers.put(name, new ContextWalker(dir, IgnorePatterns.none(), null)));
        if (context != null) {
            dirs.put("context", context);
            walkers.put("context", walker);
        }
        try (DaemonTarget.Connection conn = target.connect();
             SessionClient session = new SessionClient(sessionId, dirs, walkers, secrets, DockerConfig.fromEnvironment(),
                     sshAgents, outputs)) {
            session.attach(conn.channel());
            StatusFollower status = new StatusFollower(conn, ref, progress);
            status.start();
            var future = ControlGrpc.newFutureStub(conn.channel()).solve(solve.build());
            SolveResponse r;
            try {
                r = future.get();
            } catch (InterruptedException e) {
                future.cancel(true);
                status.await(10);
                throw e;
            } catch (ExecutionException e) {
                status.await(5);
                throw translate(e.getCause(), target);
            }
            status.await(5);
            return new BuildResult(Descriptor.of(r.getManifestMediaType(), dev.kiln.common.Digest.parse(r.getManifestDigest()),
                    r.getManifestSize()), r.getConfigDigest(), r.getWarningsList(), r.getPushedList());
        }
    }

    /**
     * An output as the daemon is told it. File outputs (oci, docker, tar, local) come back over the
     * session and are written by this client ({@link SessionClient}), so their {@code dest} stays as
     * the user wrote it, relative to this process's directory, and the daemon never opens it.
     */
    private static Output output(OutputSpec o) {
        Map<String, String> attrs = OutputSpec.FILE_TYPES.contains(o.type()) ? o.attrs() : absolute(o.attrs());
        return Output.newBuilder().setType(o.type()).putAllAttrs(attrs).build();
    }

    /** {@code dest} and {@code src} paths made absolute: the daemon resolves them, not relative to its own directory. */
    private static Map<String, String> absolute(Map<String, String> attrs) {
        Map<String, String> out = new LinkedHashMap<>(attrs);
        for (String k : new String[] {"dest", "src"}) {
            if (out.containsKey(k) && !out.get(k).equals("-")) {
                out.put(k, Path.of(out.get(k)).toAbsolutePath().toString());
            }
        }
        return out;
    }

    /** The key under which the daemon keeps its copy of this context: this host and the directory. */
    static String contextKey(Path context) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + ":" + context;
    }

    static KilnException translate(Throwable t, DaemonTarget target) {
        if (t instanceof StatusRuntimeException s) {
            Status st = s.getStatus();
            Metadata trailers = s.getTrailers();
            int exit = 1;
            if (trailers != null && trailers.get(EXIT_CODE) != null) {
                try {
                    exit = Integer.parseInt(trailers.get(EXIT_CODE));
                } catch (NumberFormatException ignored) {
                    // keep 1
                }
            }
            String msg = st.getDescription() != null ? st.getDescription() : st.getCode().toString();
            if (st.getCode() == Status.Code.UNAVAILABLE) {
                msg = "lost or could not open the connection to kilnd at " + target.address() + ": " + msg;
            }
            return new KilnException(msg, t, Math.max(1, exit));
        }
        return new KilnException("build through kilnd failed: " + t, t);
    }

    /** Follows a build's Status stream, calling again from the next event after a dropped stream. */
    private static final class StatusFollower {
        private final DaemonTarget.Connection conn;
        private final String ref;
        private final ProgressSink progress;
        private final AtomicLong next = new AtomicLong(1);
        private final CountDownLatch done = new CountDownLatch(1);
        private int retries;

        StatusFollower(DaemonTarget.Connection conn, String ref, ProgressSink progress) {
            this.conn = conn;
            this.ref = ref;
            this.progress = progress;
        }

        void start() {
            ControlGrpc.newStub(conn.channel()).status(StatusRequest.newBuilder().setRef(ref).setFromSeq(next.get()).build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(StatusResponse r) {
                            for (Event e : r.getEventsList()) {
                                if (e.getSeq() >= next.get()) {
                                    next.set(e.getSeq() + 1);
                                    try {
                                        progress.accept(ProgressCodec.decode(e));
                                    } catch (IllegalArgumentException ignored) {
                                        // an event kind this client does not know
                                    }
                                }
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            Status.Code c = Status.fromThrowable(t).getCode();
                            if ((c == Status.Code.UNAVAILABLE || c == Status.Code.INTERNAL) && retries++ < 5
                                    && !conn.channel().isShutdown()) {
                                Thread.ofVirtual().start(() -> {
                                    try {
                                        Thread.sleep(200L * retries);
                                        start();
                                    } catch (InterruptedException e) {
                                        done.countDown();
                                    }
                                });
                                return;
                            }
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            done.countDown();
                        }
                    });
        }

        void await(int seconds) throws InterruptedException {
            done.await(seconds, TimeUnit.SECONDS);
        }
    }
}
