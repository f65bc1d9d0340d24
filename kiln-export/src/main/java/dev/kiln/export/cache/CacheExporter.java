package dev.kiln.export.cache;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.export.ImageExporter;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.archive.NamedImage;
import dev.kiln.oci.archive.OciLayoutWriter;
import dev.kiln.oci.image.ImageManifest;
import dev.kiln.oci.layer.Compression;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.oci.layer.LayerSource;
import java.nio.file.Files;
import dev.kiln.oci.layer.LayerWriter;
import dev.kiln.registry.PushOptions;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.solver.Result;
import dev.kiln.solver.SolvedStep;
import dev.kiln.worker.KilnWorker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * {@code --cache-to}: turns a solve's steps into a {@link CacheConfig} (mode=min: the steps
 * whose results are part of the final image; mode=max: every cacheable step) and writes it.
 * To a registry: the layer blobs in parallel (each skipped when the repository has it,
 * mounted when the cache came from another repository of the registry), then the config,
 * then the manifest last, so a reader never sees a cache pointing at missing blobs. To a
 * directory: an OCI layout, replaced once complete.
 *
 * <p>The manifest is an OCI image manifest whose config has media type
 * {@link CacheConfig#MEDIA_TYPE} (the {@code image-manifest=true} form of the reference),
 * accepted by any distribution-spec registry; with {@code image-manifest=false} it is an OCI
 * index listing the layers and, last, the config blob (the reference's default form).
 *
 * <p>Holds no registry client of its own: each {@link #write} is given the build's, which asks
 * that build's session for credentials, so one user's registry login never serves another's export.
 */
public final class CacheExporter {
    private static final int PARALLEL_UPLOADS = 6;
    private final ImageExporter images;
    private final KilnWorker worker;
    private final ContentStore content;
    private final LazyBlobs lazy;

    public CacheExporter(ImageExporter images, KilnWorker worker, ContentStore content, LazyBlobs lazy) {
        this.images = images;
        this.worker = worker;
        this.content = content;
        this.lazy = lazy;
    }

    /** What one export wrote: where, how many records and layers, and how the blobs got there. */
    public record Exported(String where, int records, int layers, Map<TransferListener.Outcome, Integer> blobs) {}

    /** The records of a solve, as {@code spec}'s mode selects them. Compresses layers never compressed before. */
    public CacheConfig records(CacheSpec spec, Result root, List<SolvedStep> steps, LayerWriter.Options base)
            throws IOException {
        LayerWriter.Options options = base.withCompression(spec.attrs().getOrDefault("compression", "gzip").equals("zstd")
                ? Compression.ZSTD : Compression.GZIP);
        boolean min = spec.mode().equals("min");
        List<Digest> rootDiffs = images.layers(root, options).stream().map(LayerBlob::diffId).toList();
        Map<String, Integer> index = new LinkedHashMap<>();
        List<CacheConfig.Layer> layers = new ArrayList<>();
        List<CacheConfig.CacheRecord> records = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        boolean force = spec.attrs().getOrDefault("force-compression", "false").equals("true");
        Map<String, LayerBlob> converted = new java.util.HashMap<>();
        for (SolvedStep step : steps) {
            if (!seen.add(step.key()) || step.results().stream().anyMatch(r -> r.ref().startsWith("local:"))) {
                continue;
            }
            List<List<Integer>> results = new ArrayList<>();
            boolean keep = true;
            for (Result r : step.results()) {
                if (min && !inRoot(r, root, rootDiffs, options)) {
                    keep = false;
                    break;
                }
                List<Integer> ids = new ArrayList<>();
                for (LayerBlob found : images.layers(r, options)) {
                    LayerBlob l = force ? converted.computeIfAbsent(found.descriptor().digest(),
                            d -> recompress(found, options.compression())) : found;
                    ids.add(index.computeIfAbsent(l.descriptor().digest(), d -> {
                        layers.add(CacheConfig.Layer.of(l));
                        return layers.size() - 1;
                    }));
                }
                results.add(ids);
            }
            if (keep) {
                records.add(new CacheConfig.CacheRecord(step.key().toString(), step.vertex().name(), results));
            }
        }
        List<CacheConfig.CacheMount> mounts = new ArrayList<>();
        if (spec.cacheMounts()) {
            for (String id : cacheMountIds(steps)) {
                Path dir = worker.cacheMountDir(id);
                if (Files.isDirectory(dir)) {
                    LayerBlob tar = new LayerWriter(content).write(dir, LayerSource.TREE, options);
                    layers.add(CacheConfig.Layer.of(tar));
                    mounts.add(new CacheConfig.CacheMount(id, layers.size() - 1));
                }
            }
        }
        return new CacheConfig(CacheConfig.VERSION, layers, records, mounts);
    }

    /** The ids of the {@code RUN --mount=type=cache} mounts of the solve's steps. */
    private static Set<String> cacheMountIds(List<SolvedStep> steps) {
        Set<String> ids = new java.util.TreeSet<>();
        for (SolvedStep step : steps) {
            if (step.vertex().op() instanceof ExecOp e) {
                for (ExecMount m : e.mounts()) {
                    if (m.type() == ExecMount.MountType.CACHE) {
                        ids.add(m.cache() == null || m.cache().id() == null || m.cache().id().isEmpty() ? "default"
                                : m.cache().id());
                    }
                }
            }
        }
        return ids;
    }

    /**
     * {@code force-compression=true}: the blob in {@code target} compression, converted from
     * the stored blob (decompressed and compressed again, so its diffID stays); a blob that is
     * already so compressed, or not in the content store (still in an imported cache), is kept.
     */
    private LayerBlob recompress(LayerBlob blob, Compression target) {
        Optional<Compression> current = Compression.fromMediaType(blob.descriptor().mediaType());
        if (current.isEmpty() || current.get() == target || !content.exists(blob.descriptor().digestValue())) {
            return blob;
        }
        try (ContentStore.Writer w = content.writer()) {
            try (java.io.InputStream in = current.get().decompress(content.open(blob.descriptor().digestValue()));
                 java.io.OutputStream out = target.compress(w.stream())) {
                in.transferTo(out);
            }
            long size = w.written();
            Digest digest = w.commit(Optional.empty());
            return new LayerBlob(new Descriptor(target.ociMediaType(), digest.toString(), size, null, null), blob.diffId(),
                    blob.empty());
        } catch (IOException e) {
            throw new KilnException("cannot convert layer " + blob.descriptor().digest() + " to " + target + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether {@code r} is a prefix of the final image's layer chain, without compressing anything new. */
    private boolean inRoot(Result r, Result root, List<Digest> rootDiffs, LayerWriter.Options options) throws IOException {
        boolean lazyEither = worker.remoteLayers().chain(r).isPresent() || worker.remoteLayers().chain(root).isPresent();
        if (!lazyEither) {
            List<String> mine = worker.snapshotChain(r);
            List<String> all = worker.snapshotChain(root);
            return mine.size() <= all.size() && all.subList(0, mine.size()).equals(mine);
        }
        List<Digest> mine = images.layers(r, options).stream().map(LayerBlob::diffId).toList();
        return mine.size() <= rootDiffs.size() && rootDiffs.subList(0, mine.size()).equals(mine);
    }

    /**
     * Writes {@code config} where {@code spec} says (registry or local; inline is the engine's).
     * {@code registry} is the build's client (its session's credentials); unused for local caches.
     */
    public Exported write(CacheSpec spec, CacheConfig config, RegistryClient registry, TransferListener listener)
            throws IOException {
        return switch (spec.type()) {
            case "registry" -> toRegistry(ImageReference.parse(spec.attrs().get("ref")), config, spec.imageManifest(),
                    registry, listener);
            case "local" -> toLayout(Path.of(spec.attrs().get("dest")), spec.tag(), config);
            default -> throw new KilnException("cache type " + spec.type() + " is written with the image");
        };
    }

    private record Manifest(Descriptor config, Descriptor manifest, byte[] bytes) {}

    private Manifest manifest(CacheConfig config, boolean imageManifest) throws IOException {
        byte[] configBytes = config.toJson();
        Descriptor configDesc = Descriptor.of(CacheConfig.MEDIA_TYPE, content.write(configBytes), configBytes.length);
        if (!imageManifest) {
            List<Descriptor> entries = new ArrayList<>(config.descriptors());
            entries.add(configDesc);
            byte[] bytes = dev.kiln.oci.image.ImageIndex.oci(entries).toJson();
            return new Manifest(configDesc, Descriptor.of(MediaTypes.OCI_INDEX, content.write(bytes), bytes.length), bytes);
        }
        ImageManifest m = new ImageManifest(2, MediaTypes.OCI_MANIFEST, CacheConfig.MEDIA_TYPE, configDesc,
                config.descriptors(), null, Map.of());
        byte[] bytes = m.toJson();
        return new Manifest(configDesc, Descriptor.of(MediaTypes.OCI_MANIFEST, content.write(bytes), bytes.length), bytes);
    }

    private Exported toRegistry(ImageReference ref, CacheConfig config, boolean imageManifest, RegistryClient registry,
                                TransferListener listener) throws IOException {
        List<Descriptor> blobs = config.descriptors();
        lazy.placeAt(ref, blobs, registry, listener);
        ContentStore view = lazy.pushView();
        Map<TransferListener.Outcome, Integer> outcomes = new EnumMap<>(TransferListener.Outcome.class);
        Semaphore slots = new Semaphore(PARALLEL_UPLOADS);
        List<Future<TransferListener.Outcome>> running = new ArrayList<>();
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Descriptor d : blobs) {
                running.add(exec.submit(() -> {
                    slots.acquire();
                    try {
                        return registry.pushBlob(ref, d, view, listener, PushOptions.defaults());
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Future<TransferListener.Outcome> f : running) {
                outcomes.merge(f.get(), 1, Integer::sum);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while exporting the cache", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new KilnException("exporting the cache to " + ref + " failed: "
                    + c.getMessage(), c);
        }
        Manifest m = manifest(config, imageManifest);
        registry.pushBlob(ref, m.config(), content, listener, PushOptions.defaults());
        registry.pushManifest(ref, m.manifest(), m.bytes(), listener);
        return new Exported(ref.toString(), config.records().size(), blobs.size(), outcomes);
    }

    private Exported toLayout(Path dest, String tag, CacheConfig config) throws IOException {
        lazy.fetchMissing(config.descriptors());
        Manifest m = manifest(config, true);
        new OciLayoutWriter(content).writeDirectory(List.of(new NamedImage(Optional.of("kiln-cache:" + tag), m.manifest())),
                dest);
        return new Exported(dest.toString(), config.records().size(), config.layers().size(), Map.of());
    }
}
