package dev.kiln.registry.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestContentTest {
    private static final String D1 = "sha256:" + "1".repeat(64);
    private static final String D2 = "sha256:" + "2".repeat(64);
    private static final String D3 = "sha256:" + "3".repeat(64);

    private static ManifestContent parse(String json, String contentType) throws InvalidManifestException {
        return ManifestContent.parse(json.getBytes(StandardCharsets.UTF_8), contentType);
    }

    @Test
    void readsDockerSchema2Manifest() throws Exception {
        ManifestContent m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"%s"},
                 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,"digest":"%s"},
                           {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":16724,"digest":"%s","urls":["https://x"]}]}
                """.formatted(D1, D2, D3), "application/json");
        assertThat(m).isInstanceOf(ManifestContent.Image.class);
        ManifestContent.Image image = (ManifestContent.Image) m;
        assertThat(image.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(image.config().digest()).isEqualTo(D1);
        assertThat(image.layers()).extracting(Descriptor::digest).containsExactly(D2, D3);
        assertThat(image.layers().get(1).size()).isEqualTo(16724);
    }

    @Test
    void ociManifestWithoutMediaTypeFieldTakesItFromContentTypeOrShape() throws Exception {
        String json = """
                {"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"%s"},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","size":5,"digest":"%s"}]}
                """.formatted(D1, D2);
        assertThat(parse(json, MediaTypes.OCI_MANIFEST + "; charset=utf-8").mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(parse(json, null).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(((ManifestContent.Image) parse(json, null)).layers().getFirst().mediaType()).isEqualTo(MediaTypes.OCI_LAYER_ZSTD);
    }

    @Test
    void readsManifestListWithPlatforms() throws Exception {
        ManifestContent m = parse("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
                  {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"%s","platform":{"architecture":"amd64","os":"linux"}},
                  {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1,"digest":"%s","platform":{"architecture":"arm","os":"linux","variant":"v7","features":["x"]}}]}
                """.formatted(D1, D2), null);
        assertThat(m).isInstanceOf(ManifestContent.Index.class);
        ManifestContent.Index index = (ManifestContent.Index) m;
        assertThat(index.manifests()).hasSize(2);
        assertThat(index.manifests().get(1).platform().variant()).isEqualTo("v7");
    }

    @Test
    void rejectsWhatItCannotUse() {
        assertThatThrownBy(() -> parse("not json", null)).isInstanceOf(InvalidManifestException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> parse("[]", null)).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> parse("{\"schemaVersion\":1,\"fsLayers\":[]}", null)).hasMessageContaining("schema 1");
        assertThatThrownBy(() -> parse("{\"schemaVersion\":2,\"layers\":[]}", null)).hasMessageContaining("no config");
        assertThatThrownBy(() -> parse("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"md5:abc\"},\"layers\":[]}", null))
                .hasMessageContaining("bad descriptor config");
        assertThatThrownBy(() -> parse("{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}", null)).hasMessageContaining("unsupported media type text/plain");
    }

    @Test
    void platformMatching() {
        Descriptor amd64v3 = Descriptor.of(MediaTypes.OCI_MANIFEST, dev.kiln.common.Digest.parse(D1), 1)
                .withPlatform(new Descriptor.OciPlatform("amd64", "linux", "v3"));
        Descriptor armv6 = Descriptor.of(MediaTypes.OCI_MANIFEST, dev.kiln.common.Digest.parse(D2), 1)
                .withPlatform(new Descriptor.OciPlatform("arm", "linux", "v6"));
        Descriptor armv7 = Descriptor.of(MediaTypes.OCI_MANIFEST, dev.kiln.common.Digest.parse(D3), 1)
                .withPlatform(new Descriptor.OciPlatform("arm", "linux", "v7"));
        Descriptor arm64v8 = Descriptor.of(MediaTypes.OCI_MANIFEST, dev.kiln.common.Digest.parse(D3), 1)
                .withPlatform(new Descriptor.OciPlatform("arm64", "linux", "v8"));
        List<Descriptor> all = List.of(amd64v3, armv6, armv7, arm64v8);
        assertThat(PlatformMatcher.select(all, Platform.parse("linux/amd64"))).contains(amd64v3);
        assertThat(PlatformMatcher.select(all, Platform.parse("linux/arm/v7"))).contains(armv7);
        assertThat(PlatformMatcher.select(all, Platform.parse("linux/arm/v6"))).contains(armv6);
        assertThat(PlatformMatcher.select(all, Platform.parse("linux/arm64"))).contains(arm64v8);
        assertThat(PlatformMatcher.select(all, Platform.parse("linux/arm/v5"))).isEmpty();
        assertThat(PlatformMatcher.select(all, Platform.parse("windows/amd64"))).isEmpty();
        assertThat(PlatformMatcher.describe(all)).containsExactly("linux/amd64/v3", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8");
    }
}
