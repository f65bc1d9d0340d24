package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.common.progress.ProgressSink;
import dev.kiln.export.ImageExporter;
import dev.kiln.export.OutputSpec;
import dev.kiln.export.cache.CacheConfig;
import dev.kiln.export.cache.CacheExporter;
import dev.kiln.export.cache.CacheImporter;
import dev.kiln.export.cache.CacheMountSeeder;
import dev.kiln.export.cache.CacheSpec;
import dev.kiln.export.cache.ImportedCache;
import dev.kiln.export.cache.ImportingCacheStore;
import dev.kiln.export.cache.InlineCache;
import dev.kiln.export.cache.LazyBlobs;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageManifest;
import dev.kiln.oci.layer.LayerWriter;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.solver.Solver;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The engine's side of {@code --cache-from} and {@code --cache-to}: imports a job's caches
 * before it solves (a source that cannot be read is a warning, as in the reference; cache-mount
 * contents it carries seed this state dir's empty cache mounts), embeds an
 * inline cache in the image, gets the image's still-imported layers where its outputs need
 * them, and exports the cache after the image. Each step is reported as a progress vertex.
 *
 * <p>Registry caches are read and written with the build's registry client, passed to each
 * call, which asks that build's session for credentials.
 *
 * <p>One per engine; thread-safe.
 */
final class BuildCaches {
    private final ImportingCacheStore store;
    private final CacheImporter importer;
    private final CacheExporter exporter;
    private final LazyBlobs lazy;
    private final ContentStore content;
    private final CacheMountSeeder seeder;

    BuildCaches(ImportingCacheStore store, CacheImporter importer, CacheExporter exporter, LazyBlobs lazy,
                ContentStore content, CacheMountSeeder seeder) {
        this.seeder = seeder;
        this.store = store;
        this.importer = importer;
        this.exporter = exporter;
        this.lazy = lazy;
        this.content = content;
    }

    /** Reads each {@code --cache-from} source and attaches those that could be read to the job. */
    void importFor(String jobId, List<CacheSpec> from, RegistryClient registry, ProgressSink progress) {
        List<ImportedCache> caches = new ArrayList<>();
        for (CacheSpec spec : from) {
            String vertex = "cache-import:" + UUID.randomUUID();
            String name = "importing cache manifest from " + where(spec);
            Instant start = Instant.now();
            progress.accept(new ProgressEvent.Started(vertex, name, start));
            try {
                ImportedCache c = importer.load(spec, registry, TransferListener.none());
                caches.add(c);
                progress.accept(new ProgressEvent.Status(vertex, "records", c.size() + " cached steps", 0, 0, true,
                        Instant.now()));
                for (String id : seeder.seed(c)) {
                    progress.accept(new ProgressEvent.Status(vertex, "mount:" + id, "imported cache mount " + id, 0, 0,
                            true, Instant.now()));
                }
                progress.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), null));
            } catch (IOException | RuntimeException e) {
                progress.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), null));
                progress.accept(new ProgressEvent.Warning(vertex, "cannot import cache from " + where(spec) + ": "
                        + e.getMessage(), Instant.now()));
            }
        }
        store.attach(jobId, caches);
    }

    void release(String jobId) {
        store.detach(jobId);
    }

    /** Records imported steps that this build unpacked in the local cache (see {@link ImportingCacheStore#keepMaterialised}). */
    void keepMaterialised(Solver.Solution solution) {
        store.keepMaterialised(solution.steps());
    }

    /** The image with an inline cache in its config when {@code --cache-to type=inline} asks for one. */
    ImageExporter.ExportedImage inline(BuildRequest req, Solver.Solution solution, ImageExporter.ExportedImage image,
                                       LayerWriter.Options options) throws IOException {
        for (CacheSpec spec : req.cacheTo()) {
            if (spec.type().equals("inline")) {
                CacheConfig records = exporter.records(spec, solution.root(), solution.steps(), options);
                return InlineCache.embed(image, records, content);
            }
        }
        return image;
    }

    /**
     * Gets the image's layers that are still only in an imported cache where the outputs need
     * them: into the content store for local outputs (image store, archives), into the target
     * repository (present or mounted, else downloaded for the upload) for pushes only.
     */
    void placeLayers(ImageExporter.ExportedImage image, List<OutputSpec> outs, List<ImageReference> tags,
                     RegistryClient registry) throws IOException {
        List<Descriptor> layers = ImageJson.read(content.readAll(image.manifest().digestValue()), ImageManifest.class)
                .layers();
        if (!lazy.anyLazy(layers)) {
            return;
        }
        List<ImageReference> pushTargets = new ArrayList<>();
        boolean local = false;
        for (OutputSpec o : outs) {
            boolean push = o.type().equals("registry")
                    || (o.type().equals("image") && o.attrs().getOrDefault("push", "false").equals("true"));
            if (push) {
                String names = o.attrs().getOrDefault("name", o.attrs().get("ref"));
                pushTargets.addAll(names != null ? List.of(names.split(",")).stream().map(String::trim)
                        .map(ImageReference::parse).toList() : tags);
            } else if (o.type().equals("image") || o.type().equals("oci") || o.type().equals("docker")) {
                local = true;
            }
        }
        if (local) {
            lazy.fetchMissing(layers);
            return;
        }
        for (ImageReference target : pushTargets) {
            lazy.placeAt(target, layers, registry, TransferListener.none());
        }
    }

    /**
     * After a push-only build whose layers stayed in the registry (imported, never downloaded),
     * the local image store must not name an image it cannot save or push again: such names
     * are removed, and the user is told how to get the image ({@code kiln pull}).
     */
    void untagIncomplete(ImageExporter.ExportedImage image, List<OutputSpec> outs, List<ImageReference> tags,
                         dev.kiln.worker.images.ImageStore images, String vertex, ProgressSink progress) throws IOException {
        List<Descriptor> layers = ImageJson.read(content.readAll(image.manifest().digestValue()), ImageManifest.class)
                .layers();
        if (!lazy.anyLazy(layers)) {
            return;
        }
        List<ImageReference> names = new ArrayList<>(tags);
        for (OutputSpec o : outs) {
            String attr = o.attrs().getOrDefault("name", o.attrs().get("ref"));
            if (attr != null) {
                List.of(attr.split(",")).stream().map(String::trim).map(ImageReference::parse).forEach(names::add);
            }
        }
        for (ImageReference n : names) {
            boolean ours = images.get(n).map(s -> s.descriptor().digest().equals(image.manifest().digest())).orElse(false);
            if (ours && images.remove(n)) {
                progress.accept(new ProgressEvent.Status(vertex, "lazy:" + n, "not keeping " + n + " in the local image "
                        + "store: its layers were only pushed, never downloaded (kiln pull " + n + " to get them)", 0, 0,
                        true, Instant.now()));
            }
        }
    }

    /** Writes the cache to every registry and local {@code --cache-to} destination. */
    void exportAll(BuildRequest req, Solver.Solution solution, LayerWriter.Options options, RegistryClient registry,
                   ProgressSink progress) {
        for (CacheSpec spec : req.cacheTo()) {
            if (spec.type().equals("inline")) {
                continue;
            }
            String vertex = "cache-export:" + UUID.randomUUID();
            String name = "exporting cache to " + where(spec);
            Instant start = Instant.now();
            progress.accept(new ProgressEvent.Started(vertex, name, start));
            try {
                CacheConfig records = exporter.records(spec, solution.root(), solution.steps(), options);
                CacheExporter.Exported out = exporter.write(spec, records, registry, TransferListener.none());
                progress.accept(new ProgressEvent.Status(vertex, "written", "wrote " + out.records() + " steps, "
                        + out.layers() + " layers" + (out.blobs().isEmpty() ? "" : " " + out.blobs()), 0, 0, true,
                        Instant.now()));
                progress.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), null));
            } catch (IOException | RuntimeException e) {
                progress.accept(new ProgressEvent.Completed(vertex, name, start, Instant.now(), e.getMessage()));
                throw e instanceof KilnException ke ? ke
                        : new KilnException("exporting the cache to " + where(spec) + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static String where(CacheSpec spec) {
        return switch (spec.type()) {
            case "registry" -> spec.attrs().get("ref");
            // a daemon's copy of a client's cache names the client's path, which the user knows
            case "local" -> spec.attrs().getOrDefault("client-path", spec.attrs().getOrDefault("dest", spec.attrs().get("src")));
            default -> "the image";
        };
    }
}
