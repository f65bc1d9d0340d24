package dev.kiln.export.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.worker.BlobFetcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The worker's fetcher for an imported chain goes through an attached importing job only. */
class AttachedFetchersTest {

    /** Records which job's fetcher was asked. */
    record Named(String name, List<String> calls) implements BlobFetcher {
        @Override
        public void fetch(Descriptor blob, ContentStore store) {
            calls.add(name);
        }

        @Override
        public String describe() {
            return name;
        }
    }

    private static final Descriptor BLOB = new Descriptor("application/octet-stream",
            "sha256:" + "a".repeat(64), 1, null, null);

    @Test
    void fetchesGoThroughTheLastAttachedImporterAndNeverADetachedOne() throws IOException {
        List<String> calls = new ArrayList<>();
        ImportingCacheStore.AttachedFetchers f = new ImportingCacheStore.AttachedFetchers();
        f.put("job-a", new Named("a", calls));
        f.fetch(BLOB, null);
        f.put("job-b", new Named("b", calls));
        f.fetch(BLOB, null);
        assertThat(f.describe()).isEqualTo("b");
        f.remove("job-b");
        f.fetch(BLOB, null);
        assertThat(calls).containsExactly("a", "b", "a");
        f.remove("job-a");
        assertThat(f.current()).isEmpty();
        assertThatThrownBy(() -> f.fetch(BLOB, null)).isInstanceOf(IOException.class)
                .hasMessageContaining("no running build");
        assertThat(calls).hasSize(3);
    }
}
