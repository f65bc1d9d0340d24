package dev.kiln.export.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import org.junit.jupiter.api.Test;

class CacheSpecTest {

    @Test
    void parsesTheBuildxCsvForm() {
        CacheSpec s = CacheSpec.parse("type=registry,ref=localhost:5000/app/cache:1,mode=max,compression=zstd", true);
        assertThat(s.type()).isEqualTo("registry");
        assertThat(s.attrs()).containsEntry("ref", "localhost:5000/app/cache:1").containsEntry("compression", "zstd");
        assertThat(s.mode()).isEqualTo("max");
    }

    @Test
    void aBareValueIsARegistryReferenceAndModeDefaultsToMin() {
        CacheSpec s = CacheSpec.parse("localhost:5000/app/cache:1", false);
        assertThat(s.type()).isEqualTo("registry");
        assertThat(s.attrs()).containsEntry("ref", "localhost:5000/app/cache:1");
        assertThat(s.mode()).isEqualTo("min");
        assertThat(CacheSpec.parse("type=local,src=/tmp/c", false).tag()).isEqualTo("latest");
    }

    @Test
    void localNeedsDestToExportAndSrcToImport() {
        assertThat(CacheSpec.parse("type=local,dest=/tmp/c", true).attrs()).containsEntry("dest", "/tmp/c");
        assertThatThrownBy(() -> CacheSpec.parse("type=local,src=/tmp/c", true)).isInstanceOf(KilnException.class)
                .hasMessageContaining("dest=");
        assertThatThrownBy(() -> CacheSpec.parse("type=local,dest=/tmp/c", false)).hasMessageContaining("src=");
    }

    @Test
    void rejectsWhatItCannotDoWithAReason() {
        assertThatThrownBy(() -> CacheSpec.parse("type=s3,bucket=x", true)).hasMessageContaining("unsupported cache type");
        assertThatThrownBy(() -> CacheSpec.parse("type=registry,ref=r/c,mode=all", true)).hasMessageContaining("min or max");
        assertThatThrownBy(() -> CacheSpec.parse("type=registry,ref=r/c,compression=lz4", true))
                .hasMessageContaining("gzip or zstd");
        assertThatThrownBy(() -> CacheSpec.parse("type=registry", true)).hasMessageContaining("ref=");
        assertThatThrownBy(() -> CacheSpec.parse("type=inline,mode=max", true)).hasMessageContaining("mode=min");
        assertThatThrownBy(() -> CacheSpec.parse("type=local,dest=/d,image-manifest=false", true))
                .hasMessageContaining("only for type=registry");
        assertThat(CacheSpec.parse("type=registry,ref=r/c,image-manifest=false", true).imageManifest()).isFalse();
        assertThatThrownBy(() -> CacheSpec.parse("type=registry,ref=r/c,novalue", true)).hasMessageContaining("key=value");
    }
}
