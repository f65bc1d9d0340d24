package dev.kiln.worker.gc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.common.Digest;
import dev.kiln.oci.FileContentStore;
import dev.kiln.snapshot.Info;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.worker.images.ImageStore;
import dev.kiln.worker.state.StateDb;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the state dir holds, record by record ({@link #usage}), and the removal of what is no
 * longer needed ({@link #prune}). Reads the snapshotter, the content store, the cache mount
 * directories and {@code kiln.db}; a committed snapshot's size is measured once and kept in
 * {@code snapshot_sizes} (committed snapshots never change).
 *
 * <p>Safety rules, in the order prune applies them: a blob reachable from a stored image's
 * manifest is never removed, nor is a snapshot that a running build holds (an active or view
 * snapshot above it); a snapshot is only removed after its children; the cache records naming
 * a snapshot are deleted in one transaction <em>before</em> the snapshot, so a crash leaves at
 * worst an unnamed snapshot (dangling, removed by the next prune), never a record that points
 * at nothing.
 *
 * <p>Not thread-safe against builds of the same engine: the engine runs it only while no build
 * runs. One instance per engine.
 */
public final class StateStorage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StateDb db;
    private final Snapshotter snapshotter;
    private final FileContentStore content;
    private final ImageStore images;
    private final Path cacheMounts;

    public StateStorage(StateDb db, Snapshotter snapshotter, FileContentStore content, ImageStore images,
                        Path cacheMounts) {
        this.db = db;
        this.snapshotter = snapshotter;
        this.content = content;
        this.images = images;
        this.cacheMounts = cacheMounts;
    }

    /** Every record, snapshots first (parents before children), then blobs, then cache mounts. */
    public List<StorageRecord> usage() throws IOException {
        List<StorageRecord> out = new ArrayList<>(snapshotRecords());
        out.addAll(contentRecords());
        out.addAll(cacheMountRecords());
        return out;
    }

    /** The total size of all records. */
    public static long total(List<StorageRecord> records) {
        return records.stream().mapToLong(StorageRecord::size).sum();
    }

    /** Removes what {@code options} selects and returns the removed records. */
    public List<StorageRecord> prune(PruneOptions options) throws IOException {
        dropDanglingCacheRecords();
        List<StorageRecord> records = usage();
        Set<String> dangling = danglingIds(records);
        long cutoff = Instant.now().minus(options.keepDuration()).toEpochMilli();
        List<StorageRecord> candidates = new ArrayList<>();
        for (StorageRecord r : records) {
            boolean selected = options.beyondDangling() ? r.lastUsed().toEpochMilli() <= cutoff || options.keepDuration().isZero()
                    : dangling.contains(r.id());
            if (r.reclaimable() && options.types().contains(r.type()) && selected) {
                candidates.add(r);
            }
        }
        long remaining = total(records);
        Map<String, Integer> children = new HashMap<>();
        for (Info i : snapshotter.list()) {
            i.parent().ifPresent(p -> children.merge(p, 1, Integer::sum));
        }
        List<StorageRecord> removed = new ArrayList<>();
        while (!candidates.isEmpty()) {
            if (options.keepStorage() > 0 && remaining <= options.keepStorage()) {
                break;
            }
            StorageRecord next = null;
            for (StorageRecord c : candidates) {
                boolean ready = !c.isSnapshot() || children.getOrDefault(c.id(), 0) == 0;
                if (ready && (next == null || c.lastUsed().isBefore(next.lastUsed()))) {
                    next = c;
                }
            }
            if (next == null) {
                break;
            }
            candidates.remove(next);
            remove(next);
            next.parent().ifPresent(p -> children.merge(p, -1, Integer::sum));
            remaining -= next.size();
            removed.add(next);
        }
        return removed;
    }

    private void remove(StorageRecord r) throws IOException {
        switch (r.type()) {
            case SNAPSHOT, LAYER -> {
                String ref = "snap:" + r.id();
                db.transaction(c -> {
                    StateDb.update(c, "DELETE FROM cache_records WHERE results = ? OR results LIKE ? OR results LIKE ?"
                            + " OR results LIKE ?", ref, ref + "\n%", "%\n" + ref, "%\n" + ref + "\n%");
                    StateDb.update(c, "DELETE FROM layers WHERE snapshot = ?", r.id());
                    StateDb.update(c, "DELETE FROM unpacked WHERE snapshot = ?", r.id());
                    StateDb.update(c, "DELETE FROM snapshot_sizes WHERE snapshot = ?", r.id());
                    return null;
                });
                snapshotter.remove(r.id());
            }
            case CONTENT -> {
                db.update("DELETE FROM layers WHERE digest = ?", r.id());
                content.delete(Digest.parse(r.id()));
            }
            case CACHE_MOUNT -> deleteTree(cacheMounts.resolve(r.id()));
        }
    }

    /** Cache records whose snapshot is gone are misses anyway; drop them. */
    private void dropDanglingCacheRecords() {
        Set<String> committed = new HashSet<>();
        for (Info i : snapshotter.list()) {
            if (i.kind() == Info.Kind.COMMITTED) {
                committed.add(i.name());
            }
        }
        List<String[]> rows = db.query("SELECT key, results FROM cache_records",
                rs -> new String[] {rs.getString(1), rs.getString(2)});
        for (String[] row : rows) {
            for (String ref : row[1].split("\n")) {
                if (ref.startsWith("snap:") && !committed.contains(ref.substring(5))) {
                    db.update("DELETE FROM cache_records WHERE key = ?", row[0]);
                    break;
                }
            }
        }
    }

    /** Snapshots that no cache record names and that are not unpacked layers, and blobs nothing names. */
    private Set<String> danglingIds(List<StorageRecord> records) {
        Set<String> named = namedSnapshots().keySet();
        Set<String> layerBlobs = new HashSet<>(db.query("SELECT digest FROM layers", rs -> rs.getString(1)));
        Set<String> out = new HashSet<>();
        for (StorageRecord r : records) {
            switch (r.type()) {
                case SNAPSHOT -> {
                    if (!named.contains(r.id())) {
                        out.add(r.id());
                    }
                }
                case CONTENT -> {
                    if (!layerBlobs.contains(r.id())) {
                        out.add(r.id());
                    }
                }
                default -> { }
            }
        }
        return out;
    }

    /** Snapshot name → (description, last used) of the cache records that name it. */
    private Map<String, Object[]> namedSnapshots() {
        Map<String, Object[]> out = new HashMap<>();
        db.query("SELECT results, description, last_used FROM cache_records", rs -> {
            for (String ref : rs.getString(1).split("\n")) {
                if (ref.startsWith("snap:")) {
                    Object[] prev = out.get(ref.substring(5));
                    long used = rs.getLong(3);
                    if (prev == null || (long) prev[1] < used) {
                        out.put(ref.substring(5), new Object[] {rs.getString(2), used});
                    }
                }
            }
            return null;
        });
        return out;
    }

    private List<StorageRecord> snapshotRecords() {
        List<Info> all = snapshotter.list();
        Map<String, Info> byName = new HashMap<>();
        all.forEach(i -> byName.put(i.name(), i));
        Set<String> held = new HashSet<>();
        for (Info i : all) {
            if (i.kind() != Info.Kind.COMMITTED) {
                Optional<String> p = i.parent();
                while (p.isPresent() && held.add(p.get())) {
                    p = Optional.ofNullable(byName.get(p.get())).flatMap(Info::parent);
                }
            }
        }
        Map<String, Object[]> named = namedSnapshots();
        Map<String, String> layerOf = new HashMap<>();
        db.query("SELECT snapshot, digest FROM layers", rs -> layerOf.put(rs.getString(1), rs.getString(2)));
        Map<String, Long> sizes = new HashMap<>();
        db.query("SELECT snapshot, bytes FROM snapshot_sizes", rs -> sizes.put(rs.getString(1), rs.getLong(2)));
        List<StorageRecord> out = new ArrayList<>();
        for (Info i : parentsFirst(all)) {
            if (i.kind() != Info.Kind.COMMITTED) {
                continue;
            }
            Long size = sizes.get(i.name());
            if (size == null) {
                size = snapshotter.usage(i.name()).size();
                db.update("INSERT OR REPLACE INTO snapshot_sizes (snapshot, bytes) VALUES (?, ?)", i.name(), size);
            }
            boolean layer = dev.kiln.worker.LayerRecords.isUnpacked(i.name());
            Object[] rec = named.get(i.name());
            String description = rec != null ? (String) rec[0]
                    : layer ? "base layer " + layerOf.getOrDefault(i.name(), i.name().substring(6))
                    : "snapshot no cache record names";
            Instant used = rec != null ? Instant.ofEpochMilli((long) rec[1]) : i.created();
            boolean inUse = held.contains(i.name());
            out.add(new StorageRecord(i.name(), layer ? StorageRecord.Type.LAYER : StorageRecord.Type.SNAPSHOT, size,
                    used, description, inUse, !inUse, i.parent()));
        }
        return out;
    }

    /** Committed snapshots ordered so that every parent comes before its children. */
    private static List<Info> parentsFirst(List<Info> all) {
        Map<String, List<Info>> kids = new HashMap<>();
        List<Info> roots = new ArrayList<>();
        Set<String> names = new HashSet<>();
        all.forEach(i -> names.add(i.name()));
        for (Info i : all) {
            if (i.parent().isPresent() && names.contains(i.parent().get())) {
                kids.computeIfAbsent(i.parent().get(), k -> new ArrayList<>()).add(i);
            } else {
                roots.add(i);
            }
        }
        List<Info> out = new ArrayList<>();
        Deque<Info> queue = new ArrayDeque<>(roots);
        while (!queue.isEmpty()) {
            Info i = queue.removeFirst();
            out.add(i);
            queue.addAll(kids.getOrDefault(i.name(), List.of()));
        }
        return out;
    }

    private List<StorageRecord> contentRecords() throws IOException {
        Map<String, String> needed = imageBlobs();
        Map<String, String> layerOf = new HashMap<>();
        db.query("SELECT snapshot, digest FROM layers", rs -> layerOf.put(rs.getString(2), rs.getString(1)));
        Path dir = content.root().resolve("blobs/sha256");
        List<StorageRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> blobs;
        try (var s = Files.list(dir)) {
            blobs = s.sorted().toList();
        }
        for (Path p : blobs) {
            String digest = "sha256:" + p.getFileName();
            long size;
            Instant used;
            try {
                size = Files.size(p);
                used = Files.getLastModifiedTime(p).toInstant();
            } catch (java.nio.file.NoSuchFileException e) {
                continue;
            }
            String image = needed.get(digest);
            String description = image != null ? "needed by image " + image
                    : layerOf.containsKey(digest) ? "layer of snapshot " + layerOf.get(digest) : "unreferenced blob";
            out.add(new StorageRecord(digest, StorageRecord.Type.CONTENT, size, used, description, false, image == null,
                    Optional.empty()));
        }
        return out;
    }

    /** Every blob a stored image needs (index, manifests, configs, layers) → the image's name. */
    private Map<String, String> imageBlobs() {
        Map<String, String> out = new HashMap<>();
        for (ImageStore.StoredImage img : images.list()) {
            Deque<String> todo = new ArrayDeque<>(List.of(img.descriptor().digest()));
            while (!todo.isEmpty()) {
                String d = todo.removeFirst();
                if (out.putIfAbsent(d, img.name()) != null) {
                    continue;
                }
                JsonNode doc;
                try {
                    doc = JSON.readTree(content.readAll(Digest.parse(d)));
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                if (doc == null || !doc.isObject()) {
                    continue;
                }
                doc.path("manifests").forEach(m -> todo.add(m.path("digest").asText()));
                if (doc.has("config")) {
                    out.putIfAbsent(doc.path("config").path("digest").asText(), img.name());
                }
                doc.path("layers").forEach(l -> out.putIfAbsent(l.path("digest").asText(), img.name()));
            }
        }
        return out;
    }

    private List<StorageRecord> cacheMountRecords() throws IOException {
        List<StorageRecord> out = new ArrayList<>();
        if (!Files.isDirectory(cacheMounts)) {
            return out;
        }
        List<Path> dirs;
        try (var s = Files.list(cacheMounts)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            long size = 0;
            Instant used = Files.getLastModifiedTime(d).toInstant();
            try (var walk = Files.walk(d)) {
                for (Path f : walk.toList()) {
                    var attrs = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    size += attrs.isRegularFile() ? attrs.size() : 0;
                    if (attrs.lastModifiedTime().toInstant().isAfter(used)) {
                        used = attrs.lastModifiedTime().toInstant();
                    }
                }
            }
            out.add(new StorageRecord(d.getFileName().toString(), StorageRecord.Type.CACHE_MOUNT, size, used,
                    "RUN --mount=type=cache directory", false, true, Optional.empty()));
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
