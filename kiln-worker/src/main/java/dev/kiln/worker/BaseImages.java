package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.snapshot.OverlayMarkers;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Unpacks an image's layers into a chain of committed snapshots, one per layer, named by the
 * layer's chain ID so that every image sharing a base shares its snapshots. A layer already
 * unpacked is not unpacked again. Each layer is applied into a fresh snapshot's diff dir as its
 * {@link Snapshotter#layout()} asks (overlay form with whiteouts as 0/0 devices, or onto a copy of
 * the parent's tree) and committed only when complete.
 */
final class BaseImages {
    private final Snapshotter snapshotter;
    private final ContentStore content;
    private final LayerRecords layers;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    BaseImages(Snapshotter snapshotter, ContentStore content, LayerRecords layers) {
        this.snapshotter = snapshotter;
        this.content = content;
        this.layers = layers;
    }

    /**
     * Applies a layer to a prepared snapshot's dir as the snapshotter keeps it: as an overlay diff
     * into an upper dir (whiteouts kept as markers, opaque dirs with this process's overlay xattr),
     * or onto the copy of the parent's tree (whiteouts delete).
     */
    private LayerApplier applier() {
        return snapshotter.layout() == Snapshotter.Layout.CHANGES
                ? new LayerApplier(LayerApplier.Mode.OVERLAY_DIFF, OverlayMarkers.opaqueXattr())
                : new LayerApplier(LayerApplier.Mode.MERGED);
    }

    /** The chain ID of each layer prefix, as the image spec defines it. */
    static List<Digest> chainIds(List<Digest> diffIds) {
        java.util.ArrayList<Digest> out = new java.util.ArrayList<>();
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = chain == null ? d : Digest.sha256(chain + " " + d);
            out.add(chain);
        }
        return out;
    }

    Result unpack(ResolvedImage image) throws IOException {
        List<Descriptor> blobs = image.manifest().layers();
        List<Digest> diffIds = image.config().diffIds();
        List<LayerBlob> layers = new java.util.ArrayList<>();
        for (int i = 0; i < blobs.size(); i++) {
            layers.add(new LayerBlob(blobs.get(i), diffIds.get(i), false));
        }
        return unpackLayers(layers, image.manifestDescriptor().digest());
    }

    /**
     * Unpacks layers whose blobs are in the content store into the chain-ID-named snapshots
     * (skipping those already there) and records each snapshot's blob; {@code what} names
     * the image or cache for error messages.
     */
    Result unpackLayers(List<LayerBlob> layerBlobs, String what) throws IOException {
        List<Descriptor> blobs = layerBlobs.stream().map(LayerBlob::descriptor).toList();
        List<Digest> diffIds = layerBlobs.stream().map(LayerBlob::diffId).toList();
        List<Digest> chains = chainIds(diffIds);
        Optional<String> parent = Optional.empty();
        for (int i = 0; i < blobs.size(); i++) {
            String name = LayerRecords.unpackedName(chains.get(i).hex());
            ReentrantLock lock = locks.computeIfAbsent(name, k -> new ReentrantLock());
            lock.lock();
            try {
                if (snapshotter.stat(name).isEmpty()) {
                    String key = "extract-" + UUID.randomUUID();
                    snapshotter.prepare(key, parent);
                    try {
                        applier().apply(content, blobs.get(i), snapshotter.diffDir(key), Optional.of(diffIds.get(i)));
                        snapshotter.commit(name, key);
                    } catch (IOException | RuntimeException e) {
                        try {
                            snapshotter.remove(key);
                        } catch (RuntimeException ignored) {
                            // the half-applied snapshot is active, never committed; a later sweep removes it
                        }
                        throw new KilnException("cannot unpack layer " + blobs.get(i).digest() + " of "
                                + what + ": " + e.getMessage(), e);
                    }
                }
                if (layers.get(name).isEmpty()) {
                    layers.put(name, layerBlobs.get(i));
                }
            } finally {
                lock.unlock();
            }
            parent = Optional.of(name);
        }
        return parent.map(Refs::snapshot).orElse(Result.EMPTY);
    }
}
