package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileContentStoreTest {
    @TempDir
    Path tmp;

    @Test
    void aBlobWithTheExpectedDigestIsStoredUnderIt() throws Exception {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        byte[] bytes = "layer bytes".getBytes(StandardCharsets.UTF_8);
        Digest d;
        try (ContentStore.Writer w = store.writer()) {
            w.stream().write(bytes);
            d = w.commit(Optional.of(Digest.sha256(bytes)));
        }
        assertThat(d).isEqualTo(Digest.sha256(bytes));
        assertThat(store.readAll(d)).isEqualTo(bytes);
    }

    @Test
    void aBlobWithAnotherDigestIsRefusedWithBothDigestsAndNothingIsStored() throws Exception {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        byte[] bytes = "what arrived".getBytes(StandardCharsets.UTF_8);
        Digest expected = Digest.sha256("what was announced");
        try (ContentStore.Writer w = store.writer()) {
            w.stream().write(bytes);
            assertThatThrownBy(() -> w.commit(Optional.of(expected)))
                    .isInstanceOfSatisfying(ContentMismatchException.class, e -> {
                        assertThat(e.expected()).isEqualTo(expected);
                        assertThat(e.actual()).isEqualTo(Digest.sha256(bytes));
                    })
                    .hasMessageContaining(expected.toString()).hasMessageContaining(Digest.sha256(bytes).toString());
        }
        assertThat(store.exists(expected)).isFalse();
        assertThat(store.exists(Digest.sha256(bytes))).isFalse();
        try (var ingest = Files.list(tmp.resolve("store/ingest"))) {
            assertThat(ingest).as("no temp file left behind").isEmpty();
        }
    }
}
