package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.Digest;
import dev.kiln.oci.FileContentStore;
import dev.kiln.snapshot.NativeSnapshotter;
import dev.kiln.worker.gc.StateStorage;
import dev.kiln.worker.gc.StorageRecord;
import dev.kiln.worker.images.ImageStore;
import dev.kiln.worker.state.StateDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EngineStorage} over a real state dir (SQLite, content store, copying snapshotter):
 * unreferenced blobs are the reclaimable records, aged by their modification time.
 */
@Timeout(60)
class EngineStorageTest {
    @TempDir
    Path state;
    StateDb db;
    FileContentStore content;
    StateStorage records;
    final List<String> notices = new CopyOnWriteArrayList<>();
    EngineStorage storage;

    @BeforeEach
    void setUp() throws Exception {
        db = new StateDb(state);
        content = new FileContentStore(state.resolve("content"));
        records = new StateStorage(db, new NativeSnapshotter(state.resolve("snapshots")), content, new ImageStore(db, content),
                state.resolve("cachemounts"));
    }

    @AfterEach
    void tearDown() {
        if (storage != null) {
            storage.close();
        }
        db.close();
    }

    private Digest blob(int size, Duration age) throws Exception {
        byte[] data = new byte[size];
        new java.util.Random(size + age.toMillis()).nextBytes(data);
        Digest d = content.write(data);
        Files.setLastModifiedTime(content.path(d), FileTime.from(Instant.now().minus(age)));
        return d;
    }

    @Test
    void afterABuildTheLeastRecentlyUsedGoUntilTheCapHolds() throws Exception {
        Digest oldest = blob(10_000, Duration.ofHours(3));
        Digest older = blob(10_001, Duration.ofHours(2));
        Digest recent = blob(10_002, Duration.ofMinutes(1));
        storage = new EngineStorage(records, new GcPolicy(15_000), notices::add);
        storage.buildStarted();
        List<StorageRecord> removed = storage.buildFinished();
        assertThat(removed).extracting(StorageRecord::id).containsExactly(oldest.toString(), older.toString());
        assertThat(content.exists(recent)).isTrue();
        storage.buildStarted();
        assertThat(storage.buildFinished()).as("under the cap: nothing more goes").isEmpty();
    }

    @Test
    void theTimerSkipsTicksWhileABuildRunsAndCollectsOldRecordsWhenIdle() throws Exception {
        Digest old = blob(5000, Duration.ofHours(1));
        Digest fresh = blob(5001, Duration.ZERO);
        storage = new EngineStorage(records, new GcPolicy(0, Duration.ofMinutes(30), Duration.ofSeconds(1)), notices::add);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread build = Thread.ofVirtual().start(() -> {
            storage.buildStarted();
            started.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            storage.buildFinished();
        });
        started.await();
        Thread.sleep(2500);
        assertThat(content.exists(old)).as("two ticks passed during the build and removed nothing").isTrue();
        assertThat(storage.collect()).as("an explicit collection also waits for the build").isEmpty();
        assertThat(notices).isEmpty();
        finish.countDown();
        build.join();
        // the build's end collects it, or a timer tick that took the lock first does: either way, at once
        long collectedBy = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (content.exists(old) && System.nanoTime() < collectedBy) {
            Thread.sleep(50);
        }
        assertThat(content.exists(old)).as("the end of the build (or the tick beside it) collected it").isFalse();

        Digest aged = blob(5002, Duration.ofHours(1));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (content.exists(aged) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(content.exists(aged)).as("the timer collected it while idle").isFalse();
        assertThat(content.exists(fresh)).as("used within keep_duration").isTrue();
        assertThat(notices).anyMatch(n -> n.startsWith("kiln: garbage collection removed 1 record(s)"));
    }

    @Test
    void aDisabledPolicyNeverCollects() throws Exception {
        Digest old = blob(5000, Duration.ofDays(30));
        storage = new EngineStorage(records, GcPolicy.DISABLED, notices::add);
        storage.buildStarted();
        assertThat(storage.buildFinished()).isEmpty();
        assertThat(storage.collect()).isEmpty();
        assertThat(content.exists(old)).isTrue();
    }
}
