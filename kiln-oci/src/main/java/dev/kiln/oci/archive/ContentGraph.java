package dev.kiln.oci.archive;

import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageIndex;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageManifest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The blobs an image consists of: for a manifest, itself, its config and its layers; for an
 * index, itself and (recursively) what its manifests consist of. Exporters use it to know what
 * to copy or push. Children of an index that are not in the store are skipped when
 * {@code allowPartialIndex} is set (a single-platform pull of a multi-platform image).
 */
public final class ContentGraph {
    private ContentGraph() {}

    /** The descriptors reachable from {@code root}, each once, root first. */
    public static List<Descriptor> reachable(ContentStore store, Descriptor root, boolean allowPartialIndex)
            throws IOException {
        Map<String, Descriptor> seen = new LinkedHashMap<>();
        visit(store, root, allowPartialIndex, seen, 0);
        return new ArrayList<>(seen.values());
    }

    private static void visit(ContentStore store, Descriptor d, boolean partial, Map<String, Descriptor> seen, int depth)
            throws IOException {
        if (depth > 8) {
            throw new IOException("image indexes nested too deep at " + d.digest());
        }
        if (seen.containsKey(d.digest())) {
            return;
        }
        seen.put(d.digest(), d);
        if (MediaTypes.isIndex(d.mediaType())) {
            ImageIndex index = ImageJson.read(store.readAll(d.digestValue()), ImageIndex.class);
            for (Descriptor m : index.manifests()) {
                if (partial && !store.exists(m.digestValue())) {
                    continue;
                }
                visit(store, m, partial, seen, depth + 1);
            }
        } else if (MediaTypes.isManifest(d.mediaType())) {
            ImageManifest manifest = ImageJson.read(store.readAll(d.digestValue()), ImageManifest.class);
            seen.putIfAbsent(manifest.config().digest(), manifest.config());
            for (Descriptor layer : manifest.layers()) {
                seen.putIfAbsent(layer.digest(), layer);
            }
        }
    }
}
