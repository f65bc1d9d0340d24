package dev.kiln.worker.images;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.worker.state.StateDb;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Kiln's local image store: normalised names ({@code docker.io/library/app:1}) pointing at
 * manifest (or index) descriptors whose blobs are in the content store. Tagging is one
 * database row, written only after every blob of the image is in the content store, so a
 * name never points at a half-written image.
 */
public final class ImageStore {
    private final StateDb db;
    private final ContentStore content;

    /** One stored name. {@code size} is the manifest's own size; see {@link #imageSize}. */
    public record StoredImage(String name, Descriptor descriptor, Instant created) {}

    public ImageStore(StateDb db, ContentStore content) {
        this.db = db;
        this.content = content;
    }

    public ContentStore content() {
        return content;
    }

    /** Points {@code ref} at {@code manifest}; the blobs must already be stored. */
    public void tag(ImageReference ref, Descriptor manifest) {
        if (!content.exists(manifest.digestValue())) {
            throw new KilnException("cannot tag " + ref.familiar() + ": manifest " + manifest.digest() + " is not stored");
        }
        db.update("""
                INSERT INTO images (name, digest, media_type, size, created) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET digest = excluded.digest, media_type = excluded.media_type,
                  size = excluded.size, created = excluded.created""",
                key(ref), manifest.digest(), manifest.mediaType(), manifest.size(), System.currentTimeMillis());
    }

    /** The image a reference names: by name (tag), or by digest among stored images. */
    public Optional<StoredImage> get(ImageReference ref) {
        if (ref.digest() != null) {
            if (ref.tag() != null) {
                Optional<StoredImage> byName = get(ref.withDigest(null));
                if (byName.isPresent() && byName.get().descriptor().digest().equals(ref.digest())) {
                    return byName;
                }
            }
            List<StoredImage> byDigest = db.query("SELECT name, digest, media_type, size, created FROM images WHERE digest = ?",
                    ImageStore::row, ref.digest());
            return byDigest.stream().filter(i -> ImageReference.parse(i.name()).name().equals(ref.name()))
                    .findFirst().or(() -> byDigest.stream().findFirst());
        }
        List<StoredImage> rows = db.query("SELECT name, digest, media_type, size, created FROM images WHERE name = ?",
                ImageStore::row, key(ref));
        return rows.stream().findFirst();
    }

    public List<StoredImage> list() {
        return db.query("SELECT name, digest, media_type, size, created FROM images ORDER BY name", ImageStore::row);
    }

    /** Removes a name; returns whether it existed. Blobs stay until garbage collection. */
    public boolean remove(ImageReference ref) {
        return db.update("DELETE FROM images WHERE name = ?", key(ref)) > 0;
    }

    /** Manifest, config and layer sizes added up, as {@code kiln images} shows. */
    public long imageSize(Descriptor manifest) {
        try {
            var m = dev.kiln.oci.image.ImageJson.read(content.readAll(manifest.digestValue()),
                    dev.kiln.oci.image.ImageManifest.class);
            long size = manifest.size() + m.config().size();
            for (Descriptor l : m.layers()) {
                size += l.size();
            }
            return size;
        } catch (IOException | RuntimeException e) {
            return manifest.size();
        }
    }

    private static String key(ImageReference ref) {
        return ref.withDigest(null).toString();
    }

    private static StoredImage row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new StoredImage(rs.getString(1),
                new Descriptor(rs.getString(3), Digest.parse(rs.getString(2)).toString(), rs.getLong(4), null, null),
                Instant.ofEpochMilli(rs.getLong(5)));
    }
}
