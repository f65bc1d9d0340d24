package dev.kiln.export.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.layer.LayerBlob;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheConfigTest {
    private static final String D1 = Digest.sha256("blob1").toString();
    private static final String D2 = Digest.sha256("blob2").toString();

    private static CacheConfig sample() {
        return new CacheConfig(CacheConfig.VERSION,
                List.of(new CacheConfig.Layer(D1, MediaTypes.OCI_LAYER_GZIP, 10, Digest.sha256("diff1").toString(), false),
                        new CacheConfig.Layer(D2, MediaTypes.OCI_LAYER_ZSTD, 20, Digest.sha256("diff2").toString(), true)),
                List.of(new CacheConfig.CacheRecord(Digest.sha256("k1").toString(), "[1/2] FROM base", List.of(List.of(0))),
                        new CacheConfig.CacheRecord(Digest.sha256("k2").toString(), "[2/2] RUN x", List.of(List.of(0, 1))),
                        new CacheConfig.CacheRecord(Digest.sha256("k3").toString(), "FROM scratch", List.of(List.of()))));
    }

    @Test
    void roundTripsThroughJsonAndRebuildsEachRecordsChain() {
        CacheConfig back = CacheConfig.parse(sample().toJson(), "test");
        assertThat(back).isEqualTo(sample());
        List<List<LayerBlob>> chains = back.chains(back.records().get(1));
        assertThat(chains).hasSize(1);
        assertThat(chains.get(0)).extracting(l -> l.descriptor().digest()).containsExactly(D1, D2);
        assertThat(chains.get(0).get(1).empty()).isTrue();
        assertThat(chains.get(0).get(1).diffId()).isEqualTo(Digest.sha256("diff2"));
        assertThat(back.chains(back.records().get(2))).containsExactly(List.of());
        assertThat(back.descriptors()).extracting(d -> d.mediaType())
                .containsExactly(MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER_ZSTD);
    }

    @Test
    void anImportedCacheFindsRecordsByKey() {
        ImportedCache c = new ImportedCache("test", sample(), null);
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.lookup(Digest.sha256("k2"))).hasValueSatisfying(chains -> assertThat(chains.get(0)).hasSize(2));
        assertThat(c.lookup(Digest.sha256("other"))).isEmpty();
    }

    @Test
    void rejectsAnotherVersionAndRecordsNamingMissingLayers() {
        String bad = new String(sample().toJson(), StandardCharsets.UTF_8).replace("\"results\":[[0,1]]", "\"results\":[[0,7]]");
        assertThatThrownBy(() -> CacheConfig.parse(bad.getBytes(StandardCharsets.UTF_8), "r/c"))
                .hasMessageContaining("names layer 7");
        String v2 = new String(sample().toJson(), StandardCharsets.UTF_8).replace("\"kilnCacheVersion\":1", "\"kilnCacheVersion\":2");
        assertThatThrownBy(() -> CacheConfig.parse(v2.getBytes(StandardCharsets.UTF_8), "r/c"))
                .hasMessageContaining("format version 2");
        assertThatThrownBy(() -> CacheConfig.parse("{".getBytes(StandardCharsets.UTF_8), "r/c"))
                .hasMessageContaining("unreadable");
    }
}
