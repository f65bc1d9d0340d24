package dev.kiln.worker.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.Digest;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.snapshot.OverlaySnapshotter;
import dev.kiln.worker.images.ImageStore;
import dev.kiln.worker.state.StateDb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StateStorage} over a real state dir layout (overlay snapshotter metadata, content
 * store, SQLite), without mounting anything: a base layer with two built snapshots on it, an
 * orphan snapshot, an image in the store, a blob only a layer record names, an unreferenced
 * blob, a cache record whose snapshot is gone and a cache mount.
 */
class StateStorageTest {
    private static final long HOUR = 3_600_000;
    @TempDir
    Path state;
    StateDb db;
    OverlaySnapshotter snapshotter;
    FileContentStore content;
    ImageStore images;
    StateStorage storage;
    Digest imageLayer;
    Digest imageConfig;
    Digest manifest;
    Digest layerRecordBlob;
    Digest unreferenced;

    @BeforeEach
    void setUp() throws Exception {
        db = new StateDb(state);
        snapshotter = new OverlaySnapshotter(state.resolve("snapshots"));
        content = new FileContentStore(state.resolve("content"));
        images = new ImageStore(db, content);
        storage = new StateStorage(db, snapshotter, content, images, state.resolve("cachemounts"));

        imageLayer = content.write("layer bytes".getBytes(StandardCharsets.UTF_8));
        imageConfig = content.write("{\"rootfs\":{}}".getBytes(StandardCharsets.UTF_8));
        String m = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" + imageConfig + "\",\"size\":13},"
                + "\"layers\":[{\"digest\":\"" + imageLayer + "\",\"size\":11}]}";
        manifest = content.write(m.getBytes(StandardCharsets.UTF_8));
        images.tag(ImageReference.parse("app:1"), new Descriptor("application/vnd.oci.image.manifest.v1+json",
                manifest.toString(), m.length(), null, null));
        layerRecordBlob = content.write("compressed base layer".getBytes(StandardCharsets.UTF_8));
        unreferenced = content.write("left over".getBytes(StandardCharsets.UTF_8));

        snapshot("layer-abc", null, 1000);
        db.update("INSERT INTO layers (snapshot, diff_id, digest, media_type, size, empty) VALUES (?, ?, ?, ?, ?, 0)",
                "layer-abc", Digest.sha256("x").toString(), layerRecordBlob.toString(), "gzip", 21);
        snapshot("s-1", "layer-abc", 2000);
        snapshot("s-2", "s-1", 3000);
        snapshot("s-orphan", null, 500);
        long now = System.currentTimeMillis();
        record("k1", "snap:s-1", "[2/3] RUN one", now - HOUR * 2);
        record("k2", "snap:s-2", "[3/3] RUN two", now - HOUR);
        record("k-gone", "snap:s-gone", "[9/9] RUN gone", now - HOUR * 3);
        Path mount = Files.createDirectories(state.resolve("cachemounts/abc123"));
        Files.write(mount.resolve("f"), new byte[700]);
    }

    @AfterEach
    void tearDown() {
        snapshotter.close();
        db.close();
    }

    private void snapshot(String name, String parent, int bytes) throws Exception {
        String key = "prep-" + name;
        snapshotter.prepare(key, Optional.ofNullable(parent));
        Files.write(snapshotter.diffDir(key).resolve("data"), new byte[bytes]);
        snapshotter.commit(name, key);
    }

    private void record(String key, String results, String description, long lastUsed) {
        db.update("INSERT INTO cache_records (key, results, description, created, last_used) VALUES (?, ?, ?, ?, ?)",
                key, results, description, lastUsed, lastUsed);
    }

    private static List<String> ids(List<StorageRecord> records) {
        return records.stream().map(StorageRecord::id).toList();
    }

    private List<String> cacheKeys() {
        return db.query("SELECT key FROM cache_records ORDER BY key", rs -> rs.getString(1));
    }

    @Test
    void usageListsEveryRecordWithTypeSizeParentAndWhatAnImageNeeds() throws Exception {
        List<StorageRecord> all = storage.usage();
        StorageRecord s2 = all.stream().filter(r -> r.id().equals("s-2")).findFirst().orElseThrow();
        assertThat(s2.type()).isEqualTo(StorageRecord.Type.SNAPSHOT);
        assertThat(s2.size()).isEqualTo(3000);
        assertThat(s2.parent()).contains("s-1");
        assertThat(s2.description()).isEqualTo("[3/3] RUN two");
        assertThat(s2.lastUsed().toEpochMilli()).isBetween(System.currentTimeMillis() - HOUR - 60_000,
                System.currentTimeMillis() - HOUR);
        assertThat(all).filteredOn(r -> r.id().equals("layer-abc")).singleElement()
                .satisfies(r -> assertThat(r.type()).isEqualTo(StorageRecord.Type.LAYER));
        assertThat(all).filteredOn(r -> r.type() == StorageRecord.Type.CACHE_MOUNT).singleElement()
                .satisfies(r -> assertThat(r.size()).isEqualTo(700));
        assertThat(all).filteredOn(r -> Set.of(manifest.toString(), imageConfig.toString(), imageLayer.toString())
                .contains(r.id())).hasSize(3).allSatisfy(r -> assertThat(r.reclaimable()).isFalse());
        assertThat(ids(all).indexOf("s-1")).as("parents first").isLessThan(ids(all).indexOf("s-2"));
        assertThat(StateStorage.total(all)).isGreaterThan(6500);
    }

    @Test
    void defaultPruneRemovesOnlyDanglingRecords() throws Exception {
        List<StorageRecord> removed = storage.prune(PruneOptions.dangling());
        assertThat(ids(removed)).containsExactlyInAnyOrder("s-orphan", unreferenced.toString());
        assertThat(snapshotter.stat("s-2")).isPresent();
        assertThat(content.exists(layerRecordBlob)).isTrue();
        assertThat(cacheKeys()).as("a record whose snapshot is gone is dropped").containsExactly("k1", "k2");
    }

    @Test
    void pruneAllRemovesChildrenBeforeParentsAndKeepsEveryBlobOfStoredImages() throws Exception {
        List<StorageRecord> removed = storage.prune(new PruneOptions(true, 0, Duration.ZERO, Set.of()));
        List<String> order = ids(removed);
        assertThat(order.indexOf("s-2")).isLessThan(order.indexOf("s-1"));
        assertThat(order.indexOf("s-1")).isLessThan(order.indexOf("layer-abc"));
        assertThat(snapshotter.list()).isEmpty();
        assertThat(cacheKeys()).isEmpty();
        assertThat(List.of(manifest, imageConfig, imageLayer)).allMatch(content::exists);
        assertThat(content.exists(layerRecordBlob)).isFalse();
        assertThat(Files.exists(state.resolve("cachemounts/abc123"))).isFalse();
        assertThat(storage.usage()).allMatch(r -> !r.reclaimable());
    }

    @Test
    void keepStorageRemovesLeastRecentlyUsedLeavesFirstUntilTheRestFits() throws Exception {
        long total = StateStorage.total(storage.usage());
        List<StorageRecord> removed = storage.prune(PruneOptions.keepStorage(total - 100));
        assertThat(ids(removed)).as("s-1 is older than s-2 but is s-2's parent, so s-2 goes first")
                .containsExactly("s-2");
        assertThat(snapshotter.stat("s-1")).isPresent();

        removed = storage.prune(PruneOptions.keepStorage(total - 3000 - 2000));
        assertThat(ids(removed)).as("then s-1, now a leaf and the least recently used").containsExactly("s-1");
        assertThat(StateStorage.total(storage.usage())).isLessThanOrEqualTo(total - 3000 - 2000);
        assertThat(snapshotter.stat("s-orphan")).as("newer than both").isPresent();
    }

    @Test
    void snapshotsUnderARunningBuildAreInUseAndNeverPruned() throws Exception {
        snapshotter.prepare("active-build", Optional.of("s-2"));
        List<StorageRecord> all = storage.usage();
        assertThat(all).filteredOn(r -> Set.of("s-2", "s-1", "layer-abc").contains(r.id()))
                .hasSize(3).allSatisfy(r -> assertThat(r.inUse()).isTrue());
        storage.prune(new PruneOptions(true, 0, Duration.ZERO, Set.of()));
        assertThat(snapshotter.stat("s-2")).isPresent();
        assertThat(snapshotter.stat("layer-abc")).isPresent();
        assertThat(cacheKeys()).containsExactly("k1", "k2");
    }

    @Test
    void typeFilterAndKeepDurationLimitWhatGoes() throws Exception {
        List<StorageRecord> removed = storage.prune(new PruneOptions(true, 0, Duration.ZERO,
                Set.of(StorageRecord.Type.CACHE_MOUNT)));
        assertThat(removed).singleElement().satisfies(r -> assertThat(r.id()).isEqualTo("abc123"));

        removed = storage.prune(new PruneOptions(true, 0, Duration.ofMinutes(30), Set.of(StorageRecord.Type.SNAPSHOT)));
        assertThat(ids(removed)).as("s-1 and s-2 were last used hours ago, the orphan was made just now")
                .containsExactly("s-2", "s-1");
        assertThat(snapshotter.stat("layer-abc")).as("a layer is not a snapshot for --filter").isPresent();
    }
}
