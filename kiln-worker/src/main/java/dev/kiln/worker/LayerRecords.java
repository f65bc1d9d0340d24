package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.worker.state.StateDb;
import java.util.List;
import java.util.Optional;

/**
 * Which layer blob holds each committed snapshot's diff. Base-image layers are recorded when
 * they are unpacked (so exporting reuses the registry's compressed blob); built layers when
 * they are first exported (so a second export compresses nothing).
 */
public final class LayerRecords {
    /** Prefix of the snapshots that hold a layer taken whole from an image or a cache (named by chain ID). */
    public static final String UNPACKED_PREFIX = "layer-";
    private final StateDb db;

    public LayerRecords(StateDb db) {
        this.db = db;
    }

    /** The snapshot name of an unpacked layer with this chain ID (hex). */
    public static String unpackedName(String chainIdHex) {
        return UNPACKED_PREFIX + chainIdHex;
    }

    /**
     * Whether a snapshot holds a layer taken whole from an image or a cache: its recorded blob
     * is the original and is always reused as it is, whatever the export options.
     */
    public static boolean isUnpacked(String snapshot) {
        return snapshot.startsWith(UNPACKED_PREFIX);
    }

    public Optional<LayerBlob> get(String snapshot) {
        List<LayerBlob> rows = db.query("SELECT diff_id, digest, media_type, size, empty FROM layers WHERE snapshot = ?",
                rs -> new LayerBlob(new Descriptor(rs.getString(3), rs.getString(2), rs.getLong(4), null, null),
                        Digest.parse(rs.getString(1)), rs.getInt(5) != 0), snapshot);
        return rows.stream().findFirst();
    }

    public void put(String snapshot, LayerBlob blob) {
        db.update("""
                INSERT INTO layers (snapshot, diff_id, digest, media_type, size, empty) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(snapshot) DO UPDATE SET diff_id = excluded.diff_id, digest = excluded.digest,
                  media_type = excluded.media_type, size = excluded.size, empty = excluded.empty""",
                snapshot, blob.diffId().toString(), blob.descriptor().digest(), blob.descriptor().mediaType(),
                blob.descriptor().size(), blob.empty() ? 1 : 0);
    }
}
