package dev.kiln.oci.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.MediaTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageReaderTest {
    @TempDir
    Path tmp;

    private Descriptor put(FileContentStore store, String mediaType, byte[] bytes) throws IOException {
        return Descriptor.of(mediaType, store.write(bytes), bytes.length);
    }

    private Descriptor image(FileContentStore store, Platform p, boolean docker) throws IOException {
        Digest layer = store.write(("layer of " + p).getBytes());
        ImageConfig config = ImageConfig.scratch(p).withLayer(layer, ImageConfig.History.of(null, "x", false));
        Descriptor cd = put(store, docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, config.toJson());
        Descriptor ld = Descriptor.of(MediaTypes.OCI_LAYER, layer, store.size(layer).orElseThrow());
        ImageManifest m = docker ? ImageManifest.docker(cd, List.of(ld)) : ImageManifest.oci(cd, List.of(ld));
        return put(store, m.mediaType(), m.toJson())
                .withPlatform(new Descriptor.OciPlatform(p.architecture(), p.os(), p.variant()));
    }

    @Test
    void picksThePlatformsEntryOfAnOciIndexAndADockerList() throws IOException {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        Platform amd = Platform.parse("linux/amd64");
        Platform arm = Platform.parse("linux/arm64/v8");
        for (boolean docker : List.of(false, true)) {
            Descriptor a = image(store, amd, docker);
            Descriptor b = image(store, arm, docker);
            ImageIndex index = new ImageIndex(2, docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX,
                    List.of(a, b), null);
            Descriptor id = put(store, index.mediaType(), index.toJson());
            ImageReader reader = new ImageReader(store);
            ResolvedImage ra = reader.resolve(id, amd);
            assertThat(ra.manifestDescriptor().digest()).isEqualTo(a.digest());
            assertThat(ra.config().architecture()).isEqualTo("amd64");
            ResolvedImage rb = reader.resolve(id, Platform.parse("linux/arm64"));
            assertThat(rb.manifestDescriptor().digest()).isEqualTo(b.digest());
            assertThat(rb.config().variant()).isEqualTo("v8");
            assertThatThrownBy(() -> reader.resolve(id, Platform.parse("linux/s390x")))
                    .isInstanceOf(KilnException.class).hasMessageContaining("linux/amd64");
        }
    }

    @Test
    void resolvesAPlainManifestAndDetectsCorruption() throws IOException {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        Descriptor m = image(store, Platform.parse("linux/amd64"), false);
        ResolvedImage r = new ImageReader(store).resolve(m, Platform.parse("linux/amd64"));
        assertThat(r.manifest().layers()).hasSize(1);
        Files.writeString(store.path(m.digestValue()), "{}");
        assertThatThrownBy(() -> new ImageReader(store).resolve(m, Platform.parse("linux/amd64")))
                .isInstanceOf(IOException.class).hasMessageContaining("does not match");
    }
}
