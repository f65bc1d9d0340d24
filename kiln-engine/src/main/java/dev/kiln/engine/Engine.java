package dev.kiln.engine;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.dockerfile.convert.ConvertRequest;
import dev.kiln.dockerfile.convert.ConvertResult;
import dev.kiln.dockerfile.convert.DockerfileConverter;
import dev.kiln.dockerfile.instructions.Warning;
import dev.kiln.executor.RuncExecutor;
import dev.kiln.export.ImageExporter;
import dev.kiln.export.OutputSpec;
import dev.kiln.export.Outputs;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.layer.LayerWriter;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.registry.dockerconfig.DockerConfig;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.snapshot.OverlayProbe;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.Result;
import dev.kiln.solver.Solver;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.LayerRecords;
import dev.kiln.worker.images.ImageStore;
import dev.kiln.worker.state.SqliteCacheStore;
import dev.kiln.worker.state.StateDb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The engine: the one composition root of Kiln, used in-process by the daemonless CLI and
 * by the daemon. It owns the state directory (locked for its lifetime), the content store,
 * snapshotter, executor, state database, worker and solver, and runs builds: Dockerfile →
 * LLB (frontend) → results (solver and worker) → image and outputs (exporters).
 *
 * <p>Open with {@link #open}, close when done; thread-safe for concurrent builds.
 */
public final class Engine implements AutoCloseable {
    private final EngineConfig config;
    private final StateLock lock;
    private final StateDb db;
    private final FileContentStore content;
    private final Snapshotter snapshotter;
    private final SnapshotterChoice snapshotterChoice;
    private final RegistryClient registry;
    private final ImageStore images;
    private final EngineImages engineImages;
    private final KilnWorker worker;
    private final Solver solver;
    private final ImageExporter exporter;
    private final Outputs outputs;
    private final EngineStorage storage;
    private final BuildCaches caches;

    private Engine(EngineConfig config, Consumer<String> notices) throws IOException {
        this.config = config;
        Path state = config.stateDir().toAbsolutePath();
        this.lock = StateLock.acquire(state, notices);
        try {
            this.db = new StateDb(state);
            this.content = new FileContentStore(state.resolve("content"));
            Path snapshotRoot = Files.createDirectories(state.resolve("snapshots"));
            this.snapshotterChoice = SnapshotterChoice.choose(snapshotRoot, config.snapshotter(), OverlayProbe::problem);
            snapshotterChoice.notice().ifPresent(notices);
            this.snapshotter = snapshotterChoice.kind().open(snapshotRoot);
            StateSweeper.sweep(state, snapshotter, config.runtime());
            this.registry = new RegistryClient(config.registryHosts(), DockerConfig.fromEnvironment());
            this.images = new ImageStore(db, content);
            LayerRecords layers = new LayerRecords(db);
            this.engineImages = new EngineImages(images, content, registry);
            this.worker = new KilnWorker(state, snapshotter, new RuncExecutor(state.resolve("runc"), config.runtime(),
                    config.runLimits(), notices),
                    content, layers, engineImages);
            dev.kiln.export.cache.ImportingCacheStore cacheStore =
                    new dev.kiln.export.cache.ImportingCacheStore(new SqliteCacheStore(db), worker);
            this.solver = new Solver(worker, cacheStore, config.maxParallelExec());
            this.exporter = new ImageExporter(worker, snapshotter, layers, content);
            dev.kiln.export.cache.LazyBlobs lazyBlobs = new dev.kiln.export.cache.LazyBlobs(content, worker.remoteLayers());
            this.caches = new BuildCaches(cacheStore, new dev.kiln.export.cache.CacheImporter(content),
                    new dev.kiln.export.cache.CacheExporter(exporter, worker, content, lazyBlobs), lazyBlobs,
                    content, new dev.kiln.export.cache.CacheMountSeeder(worker, content));
            this.storage = new EngineStorage(new dev.kiln.worker.gc.StateStorage(db, snapshotter, content, images,
                    state.resolve("cachemounts")), config.gc(), notices);
            this.outputs = new Outputs(images, worker, lazyBlobs.pushView());
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Opens the engine over its state dir, waiting (and telling {@code notices}) if another process holds it. */
    public static Engine open(EngineConfig config, Consumer<String> notices) {
        try {
            return new Engine(config, notices);
        } catch (IOException e) {
            throw new KilnException("cannot open state dir " + config.stateDir() + ": " + e.getMessage(), e);
        }
    }

    public ImageStore images() {
        return images;
    }

    public FileContentStore content() {
        return content;
    }

    public EngineConfig config() {
        return config;
    }

    /** The snapshotter this engine uses and why (overlay, or the copying one where overlayfs does not work). */
    public SnapshotterChoice snapshotter() {
        return snapshotterChoice;
    }

    /**
     * Resolves an image reference as the Dockerfile frontend resolves a FROM (local image store
     * first, then the registry, without pulling layers): its pinned {@code docker-image://NAME@DIGEST}
     * identifier and its config, registry credentials from {@code credentials}. For the Java
     * client library and kilnd's Resolve call.
     */
    public dev.kiln.dockerfile.convert.ImageMetaResolver.BaseImage resolveImage(String reference,
            dev.kiln.common.Platform platform, CredentialSource credentials) {
        try (RegistryClient session = registry.withCredentials(credentials)) {
            return engineImages.forBuild(session).resolveImage(reference, platform);
        }
    }

    /** The bytes this engine's registry client (all builds' views of it) pulled and pushed so far. */
    public dev.kiln.registry.TransferTotals registryTotals() {
        return registry.totals();
    }

    /** Pull, push, tag, remove and login: the engine's registry and image-store operations. */
    public EngineRegistry registry() {
        return new EngineRegistry(registry, images, content);
    }

    /** Disk usage, prune and the GC policy of this engine's state dir. */
    public EngineStorage storage() {
        return storage;
    }

    /**
     * Runs one build for a client in this process: registry credentials come from this
     * process's docker config ({@code DOCKER_CONFIG}, cred helpers). See {@link #build(BuildRequest,
     * CredentialSource, ProgressSink)}.
     */
    public BuildResult build(BuildRequest req, ProgressSink progress) throws InterruptedException {
        return build(req, DockerConfig.fromEnvironment(), progress);
    }

    /**
     * Runs one build; progress events go to {@code progress} as they happen. Every registry
     * access of the build (base images for the frontend and the worker, pushes, cache import
     * and export) asks {@code credentials} — the build's session, e.g. the remote client — and
     * keeps its tokens for this build only. When the last running build ends, the GC policy is
     * applied (see {@link GcPolicy}).
     */
    public BuildResult build(BuildRequest req, CredentialSource credentials, ProgressSink progress)
            throws InterruptedException {
        storage.buildStarted();
        try (RegistryClient session = registry.withCredentials(credentials)) {
            return buildOnce(req, credentials, session, progress);
        } finally {
            storage.buildFinished(progress);
        }
    }

    private BuildResult buildOnce(BuildRequest req, CredentialSource credentials, RegistryClient session,
                                  ProgressSink progress) throws InterruptedException {
        Path context = req.contextDir().toAbsolutePath().normalize();
        if (Files.isDirectory(context)) {
            DefinitionProgress.report(progress, context, req.dockerfile());
        }
        ConvertResult converted = convert(req, context, engineImages.forBuild(session));
        List<String> warnings = new ArrayList<>();
        for (Warning w : converted.warnings()) {
            warnings.add(w.toString());
            progress.accept(new ProgressEvent.Warning("", w.toString(), Instant.now()));
        }
        converted.checkFailure().ifPresent(msg -> {
            throw new KilnException(msg);
        });
        return solveAndExport(req, converted, context, credentials, session, progress, warnings);
    }

    /**
     * Solves a raw LLB definition — a client's graph built without a Dockerfile, e.g. sent to
     * kilnd — and exports its root as a build does: {@code req} gives the context directory
     * offered to {@code local://context} sources, tags, outputs, grants and caches (its Dockerfile
     * fields are not used); {@code config} is the image config to write.
     */
    public BuildResult solve(dev.kiln.llb.Definition definition, dev.kiln.oci.image.ImageConfig config, BuildRequest req,
                             ProgressSink progress) throws InterruptedException {
        return solve(definition, config, req, DockerConfig.fromEnvironment(), progress);
    }

    /** {@link #solve(dev.kiln.llb.Definition, dev.kiln.oci.image.ImageConfig, BuildRequest, ProgressSink)} with the session's credentials. */
    public BuildResult solve(dev.kiln.llb.Definition definition, dev.kiln.oci.image.ImageConfig config, BuildRequest req,
                             CredentialSource credentials, ProgressSink progress) throws InterruptedException {
        storage.buildStarted();
        try (RegistryClient session = registry.withCredentials(credentials)) {
            return solveAndExport(req, new ConvertResult(definition, config, List.of()),
                    req.contextDir().toAbsolutePath().normalize(), credentials, session, progress, new ArrayList<>());
        } finally {
            storage.buildFinished(progress);
        }
    }

    private BuildResult solveAndExport(BuildRequest req, ConvertResult converted, Path context, CredentialSource credentials,
                                       RegistryClient session, ProgressSink progress, List<String> warnings)
            throws InterruptedException {
        String jobId = UUID.randomUUID().toString().substring(0, 13);
        Entitlements.check(converted.definition(), req.grants().entitlements());
        try (SshAgents agents = SshAgents.start(req.grants().ssh(), System.getenv())) {
            LocalSession local = new LocalSession(jobId, Map.of("context", context), req.grants().secrets(),
                    credentials, agents.sockets());
            JobContext job = new JobContext(jobId, local, progress, v -> v.meta().ignoreCache());
            engineImages.bind(jobId, session);
            try {
                caches.importFor(jobId, req.cacheFrom(), session, progress);
                Solver.Solution solution = solver.solveWithSteps(converted.definition(), job);
                BuildResult result = export(req, converted, solution, session, progress, warnings);
                caches.keepMaterialised(solution);
                return result;
            } finally {
                engineImages.unbind(jobId);
                caches.release(jobId);
                worker.releaseJob(jobId);
            }
        }
    }

    /**
     * {@code kiln build --check}: converts the Dockerfile (resolving base images) and returns the
     * build checks' findings without running any step.
     */
    public List<Warning> check(BuildRequest req) {
        try (RegistryClient session = registry.withCredentials(DockerConfig.fromEnvironment())) {
            return checks(req, engineImages.forBuild(session));
        }
    }

    /**
     * The build checks' findings for a request's Dockerfile with base images from {@code images},
     * without an engine: the daemon client runs {@code --check} this way with images resolved by kilnd.
     */
    public static List<Warning> checks(BuildRequest req, dev.kiln.dockerfile.convert.ImageMetaResolver images) {
        return convert(req, req.contextDir().toAbsolutePath().normalize(), images).warnings();
    }

    private static ConvertResult convert(BuildRequest req, Path context, dev.kiln.dockerfile.convert.ImageMetaResolver resolver) {
        if (!Files.isDirectory(context)) {
            throw new KilnException("unable to prepare context: path \"" + req.contextDir() + "\" not found");
        }
        Path dockerfile = req.dockerfile() != null ? req.dockerfile() : context.resolve("Dockerfile");
        String text;
        try {
            text = Files.readString(dockerfile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new KilnException("failed to read dockerfile: open " + dockerfile + ": no such file or directory");
        } catch (IOException e) {
            throw new KilnException("failed to read dockerfile " + dockerfile + ": " + e.getMessage(), e);
        }
        Instant created = req.sourceDateEpoch().orElse(Instant.now());
        List<String> excludes = ContextIgnores.read(context, dockerfile);
        return DockerfileConverter.convert(new ConvertRequest(dockerfile.getFileName().toString(), text,
                req.buildArgs(), req.target(), req.platform(), excludes, req.buildContexts(), req.noCache(),
                req.noCacheFilter(), created), resolver);
    }

    private BuildResult export(BuildRequest req, ConvertResult converted, Solver.Solution solution, RegistryClient session,
                               ProgressSink progress, List<String> warnings) {
        Result root = solution.root();
        BuildResult result;
        String vertex = "export:" + UUID.randomUUID();
        String name = "exporting to image";
        Instant start = Instant.now();
        progress.accept(new ProgressEvent.Started(vertex, name, start));
        try {
            LayerWriter.Options opts = LayerWriter.Options.DEFAULT.withSourceDateEpoch(req.sourceDateEpoch().orElse(null));
            ImageExporter.ExportedImage image = caches.inline(req, solution,
                    exporter.export(root, converted.config(), opts), opts);
            progress.accept(new ProgressEvent.Status(vertex, "layers", String.format(java.util.Locale.ROOT,
                    "exporting layers %.1fs", java.time.Duration.between(start, Instant.now()).toMillis() / 1000.0),
                    0, 0, true, Instant.now()));
            progress.accept(new ProgressEvent.Status(vertex, "manifest", "writing image " + image.manifest().digest(),
                    0, 0, true, Instant.now()));
            List<OutputSpec> outs = new ArrayList<>(req.outputs());
            if (!req.tags().isEmpty() && outs.stream().noneMatch(o -> o.type().equals("image"))) {
                outs.add(new OutputSpec("image", Map.of()));
            }
            caches.placeLayers(image, outs, req.tags(), session);
            List<String> pushed = new ArrayList<>();
            for (OutputSpec o : outs) {
                pushed.addAll(outputs.write(o, root, image, req.tags(), req.platform(), session,
                        new TransferListener() {}).pushed());
            }
            caches.untagIncomplete(image, outs, req.tags(), images, vertex, progress);
            for (var t : req.tags()) {
                progress.accept(new ProgressEvent.Status(vertex, "name:" + t, "naming to " + t, 0, 0, true, Instant.now()));
            }
            for (String p : pushed) {
                progress.accept(new ProgressEvent.Status(vertex, "push:" + p, "pushed " + p, 0, 0, true, Instant.now()));
            }
            progress.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), null));
            result = new BuildResult(image.manifest(), image.configDescriptor().digest(), warnings, pushed);
        } catch (IOException | RuntimeException e) {
            progress.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), e.getMessage()));
            throw e instanceof KilnException ke ? ke : new KilnException("exporting the image failed: " + e.getMessage(), e);
        }
        caches.exportAll(req, solution, LayerWriter.Options.DEFAULT.withSourceDateEpoch(req.sourceDateEpoch().orElse(null)),
                session, progress);
        return result;
    }

    /** The digest of a stored image's manifest, for tests and the CLI. */
    public Digest manifestDigest(String name) {
        return images.get(dev.kiln.oci.ImageReference.parse(name))
                .orElseThrow(() -> new KilnException("no such image: " + name)).descriptor().digestValue();
    }

    @Override
    public void close() {
        storage.close();
        try {
            registry.close();
        } catch (RuntimeException e) {
            // closing at exit
        }
        snapshotter.close();
        db.close();
        lock.close();
    }
}
