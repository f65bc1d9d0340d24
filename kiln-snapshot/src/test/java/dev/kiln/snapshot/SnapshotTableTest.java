package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTableTest {

    @TempDir
    Path tmp;

    @Test
    void roundTripsNamesWithAwkwardCharactersAndTheIdCounter() {
        Path file = tmp.resolve("metadata");
        SnapshotTable t = SnapshotTable.load(file);
        long a = t.allocateId();
        long b = t.allocateId();
        Instant created = Instant.ofEpochMilli(1_700_000_000_123L);
        t.add(new SnapshotRecord(a, "sha256:abc\tweird name\n", Info.Kind.COMMITTED, Optional.empty(), created));
        t.add(new SnapshotRecord(b, "active/1", Info.Kind.ACTIVE, Optional.of(a), created));

        SnapshotTable again = SnapshotTable.load(file);
        assertThat(again.records()).containsExactlyElementsOf(t.records());
        assertThat(again.allocateId()).isEqualTo(3);
        assertThat(again.hasChildren(a)).isTrue();
        assertThat(tmp.resolve("metadata.tmp")).doesNotExist();
    }

    @Test
    void commitIsOneReplacement() {
        Path file = tmp.resolve("metadata");
        SnapshotTable t = SnapshotTable.load(file);
        SnapshotRecord active = new SnapshotRecord(t.allocateId(), "k", Info.Kind.ACTIVE, Optional.empty(), Instant.EPOCH);
        t.add(active);
        t.replace("k", active.committedAs("name"));
        SnapshotTable again = SnapshotTable.load(file);
        assertThat(again.get("k")).isEmpty();
        assertThat(again.get("name").orElseThrow().kind()).isEqualTo(Info.Kind.COMMITTED);
    }

    @Test
    void corruptFileIsReportedNotIgnored() throws Exception {
        Path file = tmp.resolve("metadata");
        Files.writeString(file, "kiln-snapshots\t1\t5\n1\tBOGUS\t0\t-\tx\n");
        assertThatThrownBy(() -> SnapshotTable.load(file)).isInstanceOf(SnapshotException.class).hasMessageContaining("corrupt");
    }
}
