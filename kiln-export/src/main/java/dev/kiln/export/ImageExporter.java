package dev.kiln.export;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageManifest;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.oci.layer.LayerWriter;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.Result;
import dev.kiln.worker.KilnWorker;
import dev.kiln.worker.LayerRecords;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a build result into an image in the content store: one layer per snapshot of the
 * result's chain (reusing the blob recorded for a snapshot, compressing the snapshot's diff
 * otherwise), the config the frontend made completed with the diffIDs, and an OCI manifest.
 * A snapshot whose diff is empty yields no layer and its history entry is marked
 * {@code empty_layer}, as the reference does.
 *
 * <p>Stateless besides its collaborators; thread-safe.
 */
public final class ImageExporter {
    private final KilnWorker worker;
    private final Snapshotter snapshotter;
    private final LayerRecords records;
    private final ContentStore content;

    public ImageExporter(KilnWorker worker, Snapshotter snapshotter, LayerRecords records, ContentStore content) {
        this.worker = worker;
        this.snapshotter = snapshotter;
        this.records = records;
        this.content = content;
    }

    /** The image written: the manifest's descriptor, and the config it points at. */
    public record ExportedImage(Descriptor manifest, Descriptor configDescriptor, ImageConfig config) {}

    public ExportedImage export(Result root, ImageConfig frontendConfig, LayerWriter.Options options) throws IOException {
        List<LayerBlob> layers = layers(root, options);
        List<ImageConfig.History> history = new ArrayList<>(frontendConfig.history());
        List<Descriptor> kept = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        int h = 0;
        for (LayerBlob l : layers) {
            while (h < history.size() && history.get(h).isEmptyLayer()) {
                h++;
            }
            if (l.empty() && h < history.size()) {
                ImageConfig.History e = history.get(h);
                history.set(h, new ImageConfig.History(e.created(), e.createdBy(), e.author(), e.comment(), true));
                h++;
                continue;
            }
            if (h < history.size()) {
                h++;
            } else {
                history.add(new ImageConfig.History(frontendConfig.created(), "", null, null, null));
                h = history.size();
            }
            kept.add(l.descriptor());
            diffIds.add(l.diffId().toString());
        }
        ImageConfig config = frontendConfig.withRootfs(new ImageConfig.RootFs("layers", diffIds)).withHistory(history);
        byte[] configJson = config.toJson();
        Digest configDigest = content.write(configJson);
        Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, configDigest, configJson.length);
        ImageManifest manifest = ImageManifest.oci(configDesc, kept.stream().map(ImageExporter::asOci).toList());
        byte[] manifestJson = manifest.toJson();
        Digest manifestDigest = content.write(manifestJson);
        return new ExportedImage(Descriptor.of(MediaTypes.OCI_MANIFEST, manifestDigest, manifestJson.length), configDesc, config);
    }

    /**
     * The layer blobs of a result, bottom-up: for an imported (lazy) result its descriptors,
     * nothing downloaded; otherwise one blob per snapshot, compressed now if never before.
     */
    public List<LayerBlob> layers(Result root, LayerWriter.Options options) throws IOException {
        Optional<List<LayerBlob>> lazy = worker.remoteLayers().layers(root);
        if (lazy.isPresent()) {
            return lazy.get();
        }
        List<LayerBlob> layers = new ArrayList<>();
        for (String snapshot : worker.snapshotChain(root)) {
            layers.add(layerOf(snapshot, options));
        }
        return layers;
    }

    /**
     * The layer blob of a snapshot's {@link Snapshotter#layerDir}. The recorded blob is reused for unpacked layers (the
     * original blob) and for built layers exported with default options; with a
     * SOURCE_DATE_EPOCH clamp a built layer is written afresh (identical input gives an
     * identical blob, so the content store keeps one copy) and the record is left alone, so the
     * result never depends on what an earlier build exported.
     */
    private LayerBlob layerOf(String snapshot, LayerWriter.Options options) throws IOException {
        boolean clamped = options.sourceDateEpoch().isPresent() && !LayerRecords.isUnpacked(snapshot);
        Optional<LayerBlob> known = records.get(snapshot);
        if (!clamped && known.isPresent() && content.exists(known.get().descriptor().digestValue())) {
            return known.get();
        }
        LayerBlob blob = new LayerWriter(content).write(snapshotter.layerDir(snapshot), LayerSource.OVERLAY_DIFF, options);
        if (!clamped) {
            records.put(snapshot, blob);
        }
        return blob;
    }

    /** Docker layer media types become their OCI equivalents inside an OCI manifest. */
    private static Descriptor asOci(Descriptor d) {
        String mt = switch (d.mediaType()) {
            case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
            case MediaTypes.DOCKER_LAYER_ZSTD -> MediaTypes.OCI_LAYER_ZSTD;
            case MediaTypes.DOCKER_LAYER -> MediaTypes.OCI_LAYER;
            default -> d.mediaType();
        };
        return new Descriptor(mt, d.digest(), d.size(), d.annotations(), null);
    }
}
