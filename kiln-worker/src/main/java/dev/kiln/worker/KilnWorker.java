package dev.kiln.worker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.executor.Executor;
import dev.kiln.llb.DiffOp;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.llb.LlbCodec;
import dev.kiln.llb.MergeOp;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.Vertex;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.snapshot.Mounter;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.CacheMap;
import dev.kiln.solver.ContentSelector;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.OpRunner;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The worker: runs each kind of LLB op over snapshots, and tells the solver how each op is
 * keyed. Sources unpack images into snapshot chains or register client directories; exec
 * ops run in the {@link Executor}; file ops change snapshots directly.
 *
 * <p>One worker per engine, shared by all jobs; thread-safe. It owns the mount points under
 * the state dir but not the snapshotter, the executor or the database, which the engine
 * creates and closes.
 */
public final class KilnWorker implements OpRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Snapshotter snapshotter;
    private final Trees trees;
    private final LocalDirs localDirs = new LocalDirs();
    private final ContentHasher hasher = new ContentHasher();
    private final FileRunner files;
    private final MergeRunner merges;
    private final DiffRunner diffs;
    private final ExecRunner execs;
    private final BaseImages baseImages;
    private final ImageSources images;
    private final HttpSource http;
    private final GitSource git;
    private final RemoteLayers remote;
    private final Path cacheMountRoot;

    public KilnWorker(Path stateDir, Snapshotter snapshotter, Executor executor, ContentStore content,
                      LayerRecords layers, ImageSources images) throws IOException {
        this.snapshotter = snapshotter;
        this.trees = new Trees(snapshotter, new Mounter(), stateDir.resolve("mounts"), localDirs);
        this.files = new FileRunner(trees);
        this.merges = new MergeRunner(trees, snapshotter, this::snapshotChain);
        this.diffs = new DiffRunner(trees, snapshotter, this::snapshotChain);
        this.execs = new ExecRunner(trees, executor, new CacheMounts(stateDir.resolve("cachemounts")));
        this.baseImages = new BaseImages(snapshotter, content, layers);
        this.images = images;
        this.http = new HttpSource(stateDir.resolve("downloads"));
        this.git = new GitSource(stateDir.resolve("downloads"));
        this.remote = new RemoteLayers(content, baseImages, snapshotter);
        this.cacheMountRoot = stateDir.resolve("cachemounts");
    }

    /**
     * The shared directory of {@code RUN --mount=type=cache,id=ID} (it may not exist yet), for
     * exporting and importing cache-mount contents with the build cache.
     */
    public Path cacheMountDir(String id) {
        return cacheMountRoot.resolve(CacheMounts.dirName(id));
    }

    /** Imported cache results that are not downloaded yet (lazy refs), and their materialising. */
    public RemoteLayers remoteLayers() {
        return remote;
    }

    /** Forgets what a finished job registered (its client directories). */
    public void releaseJob(String jobId) {
        localDirs.release(jobId);
    }

    /** Opens a read-only view of a result, e.g. for the local and tar exporters. Close it after use. */
    public MountedTree view(Result result) throws IOException {
        return trees.view(remote.materialise(result));
    }

    /** The committed snapshots of a result from the bottom layer up (empty for an empty tree). */
    public List<String> snapshotChain(Result result) {
        List<String> chain = new ArrayList<>();
        Optional<String> cur;
        try {
            cur = Refs.snapshotName(remote.materialise(result));
        } catch (IOException e) {
            throw new KilnException("cannot download the imported layers of " + result.ref() + ": " + e.getMessage(), e);
        }
        while (cur.isPresent()) {
            chain.addFirst(cur.get());
            String name = cur.get();
            cur = snapshotter.stat(name).orElseThrow(() -> new KilnException("snapshot " + name + " is missing"))
                    .parent();
        }
        return chain;
    }

    @Override
    public CacheMap cacheMap(Vertex v, JobContext job) {
        Digest opKey = Digest.sha256(LlbCodec.encode(v.op()));
        return switch (v.op()) {
            case SourceOp s when s.scheme().equals("local") -> new CacheMap(opKey, List.of(), false);
            case SourceOp s when HttpSource.handles(s) -> CacheMap.of(http.cacheKey(s, opKey), 0);
            case SourceOp s when GitSource.handles(s) -> CacheMap.of(git.cacheKey(s, opKey), 0);
            case FileOp f -> new CacheMap(opKey, fileSelectors(f, v.inputs().size()), true);
            case ExecOp e -> new CacheMap(opKey, execSelectors(e, v.inputs().size()), true);
            default -> CacheMap.of(opKey, v.inputs().size());
        };
    }

    private static List<Optional<ContentSelector>> fileSelectors(FileOp f, int inputs) {
        List<Optional<ContentSelector>> out = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            Set<String> paths = new LinkedHashSet<>();
            boolean wildcard = false;
            List<String> excludes = null;
            for (FileAction a : f.actions()) {
                if (a instanceof FileAction.Copy c && c.sourceInput() == i) {
                    paths.add(c.src());
                    wildcard |= c.allowWildcard();
                    excludes = excludes == null || excludes.equals(c.excludePatterns()) ? c.excludePatterns() : List.of();
                }
            }
            out.add(paths.isEmpty() ? Optional.empty()
                    : Optional.of(new ContentSelector(List.copyOf(paths), wildcard, true, null, excludes)));
        }
        return out;
    }

    private static List<Optional<ContentSelector>> execSelectors(ExecOp e, int inputs) {
        List<Optional<ContentSelector>> out = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            Optional<ContentSelector> sel = Optional.empty();
            for (ExecMount m : e.mounts()) {
                if (m.input() == i && !m.dest().equals("/")) {
                    sel = Optional.of(new ContentSelector(List.of(m.selector()), false, true, null, null));
                }
            }
            out.add(sel);
        }
        return out;
    }

    @Override
    public Digest contentChecksum(Result input, ContentSelector selector, JobContext job) throws IOException {
        try (MountedTree t = trees.view(remote.materialise(input))) {
            return hasher.checksum(t, selector);
        }
    }

    @Override
    public List<Result> run(Vertex v, List<Result> lazyInputs, JobContext job) throws Exception {
        List<Result> inputs = new ArrayList<>();
        for (Result in : lazyInputs) {
            Optional<RemoteLayers.Chain> imported = remote.chain(in);
            long before = remote.fetchedBlobs();
            inputs.add(remote.materialise(in));
            if (imported.isPresent() && remote.fetchedBlobs() > before) {
                job.progress().accept(new dev.kiln.common.progress.ProgressEvent.Status(v.digest().toString(),
                        "cache:" + in.ref(), "fetched imported layers from " + imported.get().fetcher().describe(), 0, 0,
                        true, java.time.Instant.now()));
            }
        }
        return switch (v.op()) {
            case SourceOp s when HttpSource.handles(s) -> List.of(http.run(s, Digest.sha256(LlbCodec.encode(s)), trees));
            case SourceOp s when GitSource.handles(s) -> List.of(git.run(s, trees));
            case SourceOp s -> List.of(source(s, job));
            case ExecOp e -> List.of(execs.run(v, ProxyEnv.apply(e, v.meta()), inputs, job));
            case FileOp f -> List.of(files.run(f, inputs));
            case MergeOp m -> List.of(merges.run(inputs));
            case DiffOp d -> List.of(diffs.run(d, inputs));
        };
    }

    private Result source(SourceOp s, JobContext job) throws IOException {
        Platform platform = Optional.ofNullable(s.attrs().get(SourceOp.ATTR_PLATFORM)).map(Platform::parse)
                .orElse(Platform.host());
        switch (s.scheme()) {
            case "local" -> {
                List<String> excludes = s.attrs().containsKey(SourceOp.ATTR_EXCLUDE)
                        ? JSON.readValue(s.attrs().get(SourceOp.ATTR_EXCLUDE), new TypeReference<List<String>>() {})
                        : List.of();
                return localDirs.register(job, s.location(), excludes);
            }
            case "docker-image" -> {
                String loc = s.location();
                int at = loc.indexOf('@');
                ImageReference ref = ImageReference.parse(loc);
                Optional<Digest> pinned = at < 0 ? Optional.empty() : Optional.of(Digest.parse(loc.substring(at + 1)));
                ResolvedImage img = images.resolve(ref, pinned, platform, job);
                return baseImages.unpack(img);
            }
            case "oci-layout" -> {
                String loc = s.location();
                int at = loc.lastIndexOf('@');
                if (at < 0) {
                    throw new KilnException("oci-layout source needs a digest: " + s.identifier());
                }
                ResolvedImage img = images.resolveLayout(loc.substring(0, at), Digest.parse(loc.substring(at + 1)),
                        platform, job);
                return baseImages.unpack(img);
            }
            default -> throw new KilnException("unsupported source " + s.identifier());
        }
    }

    @Override
    public boolean isValid(Result result) {
        if (result.isEmpty() || remote.knows(result)) {
            return true;
        }
        return Refs.snapshotName(result).map(n -> snapshotter.stat(n).isPresent()).orElse(false);
    }
}
