package dev.kiln.daemon.server;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.daemon.ByteSizes;
import dev.kiln.daemon.api.DockerfileFrontend;
import dev.kiln.daemon.api.LlbSolve;
import dev.kiln.daemon.api.SolveRequest;
import dev.kiln.daemon.context.ContextCopy;
import dev.kiln.daemon.context.ContextStore;
import dev.kiln.daemon.context.FileEntry;
import dev.kiln.engine.BuildGrants;
import dev.kiln.engine.BuildRequest;
import dev.kiln.engine.BuildResult;
import dev.kiln.engine.Engine;
import dev.kiln.export.OutputSpec;
import dev.kiln.llb.Definition;
import dev.kiln.llb.LlbCodec;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One Dockerfile build run by the daemon for a client: it brings the daemon's copy of the
 * client's context up to date over the session (only new or changed files travel, shown as
 * {@code transferring context: SIZE}), writes the client's Dockerfile beside it and runs the
 * engine on the copy. Local caches stay on the client too ({@link ClientCaches}). Runs on its own thread; interrupting that thread cancels the build.
 */
final class DaemonBuild {
    static final String CONTEXT_VERTEX = "kilnd:context";
    private final Engine engine;
    private final ContextStore contexts;
    private final Set<String> allowedEntitlements;

    private final DaemonMetrics metrics;

    DaemonBuild(Engine engine, ContextStore contexts, Set<String> allowedEntitlements, DaemonMetrics metrics) {
        this.metrics = metrics;
        this.engine = engine;
        this.contexts = contexts;
        this.allowedEntitlements = allowedEntitlements;
        metrics.diskUsage(() -> DaemonMetrics.diskUsed(engine, contexts));
    }

    BuildResult run(SolveRequest req, AttachedSession session, BuildTrace trace) throws InterruptedException, IOException {
        try (SshAgentRelay ssh = SshAgentRelay.open(session)) {
            return runDockerfile(req, session, ssh, trace);
        }
    }

    /** The Dockerfile build; the client's ssh agents are reached through {@code ssh}, its registry logins through the session. */
    private BuildResult runDockerfile(SolveRequest req, AttachedSession session, SshAgentRelay ssh, BuildTrace trace)
            throws InterruptedException, IOException {
        DockerfileFrontend df = req.getDockerfile();
        for (String e : df.getEntitlementsList()) {
            if (!allowedEntitlements.contains(e)) {
                throw new KilnException("entitlement " + e + " is not allowed by this daemon (kilnd --allow-entitlement "
                        + e + ", or [daemon] allowed_entitlements in kilnd.toml)");
            }
        }
        BuildGrants grants = grants(df, session, ssh.sockets());
        String key = df.getContextKey().isEmpty() ? "session:" + session.id() : df.getContextKey();
        ContextCopy copy = contexts.copy(key);
        var lock = copy.lock();
        transfer(copy, session, "context", CONTEXT_VERTEX, "[internal] transfer build context", trace, metrics);
        // transfer() returns holding the read lock: the tree stays as synced while the build reads it
        Path extras = null;
        ClientCaches caches = null;
        try {
            caches = ClientCaches.prepare(df, req.getOutputsCount(), session, contexts, trace, metrics);
            extras = Files.createDirectories(copy.extras().resolve(safeName(req.getRef())));
            String name = df.getDockerfileName().isEmpty() ? "Dockerfile" : df.getDockerfileName();
            if (!FileEntry.safe(name) || name.contains("/")) {
                throw new KilnException("invalid Dockerfile name \"" + name + "\"");
            }
            Path dockerfile = extras.resolve(name);
            Files.write(dockerfile, df.getDockerfile().toByteArray());
            if (df.hasDockerfileIgnore()) {
                Files.write(extras.resolve(name + ".dockerignore"), df.getDockerfileIgnore().toByteArray());
            }
            BuildRequest br = new BuildRequest(copy.tree(), dockerfile, df.getBuildArgsMap(),
                    df.getTarget().isEmpty() ? Optional.empty() : Optional.of(df.getTarget()),
                    req.getTagsList().stream().map(DaemonBuild::reference).toList(),
                    outputs(req, session),
                    df.getNoCache(), Set.copyOf(df.getNoCacheFilterList()), df.getBuildContextsMap(),
                    df.getPlatform().isEmpty() ? Platform.host() : Platform.parse(df.getPlatform()),
                    df.hasSourceDateEpoch() ? Optional.of(Instant.ofEpochSecond(df.getSourceDateEpoch())) : Optional.empty(),
                    grants).withCaches(caches.from(), caches.to());
            ClientCaches local = caches;
            return dev.kiln.daemon.telemetry.KilndTracing.traced(req.getRef(), df.getTarget(), trace.replay(), trace,
                    progress -> {
                        BuildResult result = engine.build(br, session.credentialSource(), progress);
                        local.send(session, progress);
                        return result;
                    }, result -> result.manifest().digest());
        } finally {
            if (caches != null) {
                caches.close();
            }
            lock.readLock().unlock();
            if (extras != null) {
                deleteQuietly(extras);
            }
        }
    }

    /**
     * A raw LLB solve: the context the client offers (if any) is synced as for a Dockerfile
     * build, then the engine solves the definition and exports its root with the given config.
     */
    BuildResult runLlb(SolveRequest req, AttachedSession session, BuildTrace trace) throws InterruptedException, IOException {
        LlbSolve llb = req.getLlb();
        Definition def;
        try {
            def = LlbCodec.decode(llb.getDefinition().toByteArray());
        } catch (IOException | RuntimeException e) {
            throw new KilnException("invalid LLB definition: " + e.getMessage(), e);
        }
        Platform platform = llb.getPlatform().isEmpty() ? Platform.host() : Platform.parse(llb.getPlatform());
        ImageConfig config;
        try {
            config = llb.getImageConfig().isEmpty() ? ImageConfig.scratch(platform)
                    : ImageJson.read(llb.getImageConfig().toByteArray(), ImageConfig.class);
        } catch (IOException e) {
            throw new KilnException("invalid image config: " + e.getMessage(), e);
        }
        ContextCopy copy = null;
        Path contextDir;
        if (session.dirs().contains("context")) {
            copy = contexts.copy(llb.getContextKey().isEmpty() ? "session:" + session.id() : llb.getContextKey());
            transfer(copy, session, "context", CONTEXT_VERTEX, "[internal] transfer build context", trace, metrics);
            contextDir = copy.tree();
        } else {
            contextDir = Files.createDirectories(contexts.emptyDir());
        }
        try {
            BuildRequest br = new BuildRequest(contextDir, null, Map.of(), Optional.empty(),
                    req.getTagsList().stream().map(DaemonBuild::reference).toList(),
                    outputs(req, session),
                    false, Set.of(), Map.of(), platform,
                    llb.hasSourceDateEpoch() ? Optional.of(Instant.ofEpochSecond(llb.getSourceDateEpoch())) : Optional.empty());
            return dev.kiln.daemon.telemetry.KilndTracing.tracedSolve(req.getRef(), trace.replay(), trace,
                    progress -> engine.solve(def, config, br, session.credentialSource(), progress), result -> result.manifest().digest());
        } finally {
            if (copy != null) {
                copy.lock().readLock().unlock();
            }
        }
    }

    /**
     * Syncs the copy with the listing of the client's directory {@code dir} (the context, a
     * local cache source), reported as vertex {@code vertex}; returns holding the copy's read lock.
     */
    static void transfer(ContextCopy copy, AttachedSession session, String dir, String vertex, String name,
                         BuildTrace trace, DaemonMetrics metrics) throws IOException, InterruptedException {
        Instant start = Instant.now();
        trace.accept(new ProgressEvent.Started(vertex, name, start));
        var lock = copy.lock();
        long bytes = 0;
        try {
            List<FileEntry> listing = session.listFiles(dir);
            lock.readLock().lockInterruptibly();
            if (!copy.matches(listing)) {
                lock.readLock().unlock();
                lock.writeLock().lockInterruptibly();
                try {
                    bytes = copy.sync(listing, session.files(dir));
                    lock.readLock().lock();
                } finally {
                    lock.writeLock().unlock();
                }
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            while (lock.getReadHoldCount() > 0) {
                lock.readLock().unlock();
            }
            trace.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), String.valueOf(e.getMessage())));
            if (e instanceof IOException || e instanceof IllegalArgumentException) {
                throw new KilnException(name.replace("[internal] transfer", "transferring the") + " failed: " + e.getMessage(), e);
            }
            throw e;
        }
        metrics.contextTransferred(bytes);
        String what = dir.equals("context") ? "context" : "cache";
        trace.accept(new ProgressEvent.Status(vertex, "transfer", "transferring " + what + ": " + ByteSizes.format(bytes),
                bytes, bytes, true, Instant.now()));
        trace.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), null));
    }

    /**
     * The client's secrets, asked for over the session now and held in memory for this build only,
     * and its ssh agents as the relay's sockets.
     */
    private static BuildGrants grants(DockerfileFrontend df, AttachedSession session, Map<String, Path> sshSockets)
            throws IOException, InterruptedException {
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        for (String id : df.getSecretIdsList()) {
            secrets.put(id, session.secret(id).orElseThrow(() -> new KilnException("secret " + id
                    + " was not found on the client")));
        }
        Map<String, List<Path>> ssh = new LinkedHashMap<>();
        sshSockets.forEach((id, sock) -> ssh.put(id, List.of(sock)));
        return new BuildGrants(secrets, ssh, Set.copyOf(df.getEntitlementsList()));
    }

    /**
     * The client's outputs; file outputs (oci, docker, tar, local) are streamed to the client,
     * which writes them on its machine where it said: the daemon never opens their dest.
     */
    private static List<OutputSpec> outputs(SolveRequest req, AttachedSession session) {
        List<OutputSpec> out = new ArrayList<>();
        for (int i = 0; i < req.getOutputsCount(); i++) {
            var o = req.getOutputs(i);
            OutputSpec spec = new OutputSpec(o.getType(), o.getAttrsMap());
            out.add(OutputSpec.FILE_TYPES.contains(spec.type()) ? spec.withClient(session.output(i)) : spec);
        }
        return out;
    }

    private static ImageReference reference(String tag) {
        try {
            return ImageReference.parse(tag);
        } catch (IllegalArgumentException e) {
            throw new KilnException("invalid tag \"" + tag + "\": " + e.getMessage());
        }
    }

    private static String safeName(String ref) {
        return ref.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // leftovers under extras/ are harmless and removed with the copy
        }
    }
}
