package dev.kiln.oci.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageJsonTest {
    /** A config of the shape Docker 20.10 writes (unknown fields included), pretty-printed. */
    static final String DOCKER_CONFIG = """
            {
              "architecture": "amd64",
              "config": {
                "Hostname": "",
                "Domainname": "",
                "User": "app",
                "AttachStdin": false,
                "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
                "Tty": false,
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
                "Cmd": ["/bin/sh", "-c", "exec app"],
                "Healthcheck": {"Test": ["CMD-SHELL", "wget -q -O- localhost:8080"], "Interval": 30000000000,
                                "Timeout": 5000000000, "StartPeriod": 1000000000, "Retries": 3},
                "ArgsEscaped": true,
                "Image": "sha256:0b1edfbffd27c935a666e233a0042ed634205f6f7ed6e8a2a5d0c8a3d1e3e7b5",
                "Volumes": {"/data": {}},
                "WorkingDir": "/srv",
                "Entrypoint": null,
                "OnBuild": null,
                "Labels": {"org.opencontainers.image.title": "app", "maintainer": "me"},
                "StopSignal": "SIGTERM",
                "Shell": ["/bin/bash", "-c"]
              },
              "container": "6a4c3b0e7c1d",
              "container_config": {"Cmd": ["/bin/sh", "-c", "#(nop) CMD [\\"/bin/sh\\"]"]},
              "created": "2024-03-01T12:34:56.789012345Z",
              "docker_version": "20.10.24",
              "history": [
                {"created": "2024-03-01T12:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
                {"created": "2024-03-01T12:00:01Z", "created_by": "/bin/sh -c #(nop)  CMD [\\"sh\\"]", "empty_layer": true},
                {"created": "2024-03-01T12:34:56Z", "created_by": "RUN /bin/sh -c make", "comment": "buildkit.dockerfile.v0"}
              ],
              "os": "linux",
              "rootfs": {
                "type": "layers",
                "diff_ids": [
                  "sha256:3f4ca61aafcd4fc07267a105067db35c0f0ac630e1970f3cd0c7bf552780e985",
                  "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
                ]
              }
            }
            """;

    @Test
    void readsADockerConfigAndIgnoresUnknownFields() throws IOException {
        ImageConfig c = ImageJson.read(DOCKER_CONFIG.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
        assertThat(c.architecture()).isEqualTo("amd64");
        assertThat(c.os()).isEqualTo("linux");
        assertThat(c.created()).isEqualTo("2024-03-01T12:34:56.789012345Z");
        ContainerConfig cc = c.config();
        assertThat(cc.user()).isEqualTo("app");
        assertThat(cc.exposedPorts()).containsExactly("53/udp", "8080/tcp");
        assertThat(cc.volumes()).containsExactly("/data");
        assertThat(cc.envMap()).containsEntry("LANG", "C.UTF-8");
        assertThat(cc.cmd()).containsExactly("/bin/sh", "-c", "exec app");
        assertThat(cc.entrypoint()).isNull();
        assertThat(cc.healthcheck().intervalNanos()).isEqualTo(30_000_000_000L);
        assertThat(cc.healthcheck().retries()).isEqualTo(3);
        assertThat(cc.healthcheck().startIntervalNanos()).isZero();
        assertThat(cc.argsEscaped()).isTrue();
        assertThat(cc.shell()).containsExactly("/bin/bash", "-c");
        assertThat(c.history()).hasSize(3);
        assertThat(c.history().get(1).isEmptyLayer()).isTrue();
        assertThat(c.history().get(2).comment()).isEqualTo("buildkit.dockerfile.v0");
        assertThat(c.diffIds()).hasSize(2);
        assertThat(c.platform()).isEqualTo(new Platform("linux", "amd64", ""));
    }

    @Test
    void writesCompactSortedDeterministicConfigJson() throws IOException {
        ImageConfig c = ImageJson.read(DOCKER_CONFIG.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
        String json = new String(c.toJson(), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"created\":\"2024-03-01T12:34:56.789012345Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"config\":{\"User\":\"app\",\"ExposedPorts\":{\"53/udp\":{},\"8080/tcp\":{}},"
                + "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"LANG=C.UTF-8\"],"
                + "\"Cmd\":[\"/bin/sh\",\"-c\",\"exec app\"],\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/srv\","
                + "\"Labels\":{\"maintainer\":\"me\",\"org.opencontainers.image.title\":\"app\"},\"StopSignal\":\"SIGTERM\","
                + "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"wget -q -O- localhost:8080\"],\"Interval\":30000000000,"
                + "\"Timeout\":5000000000,\"StartPeriod\":1000000000,\"Retries\":3},\"Shell\":[\"/bin/bash\",\"-c\"],"
                + "\"ArgsEscaped\":true},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:3f4ca61aafcd4fc07267a105067db35c0f0ac630e1970f3cd0c7bf552780e985\","
                + "\"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef\"]},"
                + "\"history\":[{\"created\":\"2024-03-01T12:00:00Z\",\"created_by\":\"/bin/sh -c #(nop) ADD file:abc in / \"},"
                + "{\"created\":\"2024-03-01T12:00:01Z\",\"created_by\":\"/bin/sh -c #(nop)  CMD [\\\"sh\\\"]\",\"empty_layer\":true},"
                + "{\"created\":\"2024-03-01T12:34:56Z\",\"created_by\":\"RUN /bin/sh -c make\",\"comment\":\"buildkit.dockerfile.v0\"}]}");
        ImageConfig again = ImageJson.read(c.toJson(), ImageConfig.class);
        assertThat(again).isEqualTo(c);
        assertThat(again.toJson()).isEqualTo(c.toJson());
    }

    @Test
    void sameContentInAnyMapOrderGivesTheSameBytes() {
        ContainerConfig a = ContainerConfig.EMPTY.withLabel("b", "2").withLabel("a", "1").withExposedPort("80")
                .withExposedPort("443");
        ContainerConfig b = ContainerConfig.EMPTY.withLabel("a", "1").withLabel("b", "2").withExposedPort("443/tcp")
                .withExposedPort("80/tcp");
        assertThat(ImageJson.write(a)).isEqualTo(ImageJson.write(b));
        assertThat(new String(ImageJson.write(a), StandardCharsets.UTF_8))
                .isEqualTo("{\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}},\"Labels\":{\"a\":\"1\",\"b\":\"2\"}}");
    }

    @Test
    void emptyLabelValuesAndEmptyEnvValuesAreKept() throws IOException {
        ContainerConfig c = ContainerConfig.EMPTY.withLabel("empty", "").withEnvVar("EMPTY", "");
        String json = new String(ImageJson.write(c), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"Env\":[\"EMPTY=\"],\"Labels\":{\"empty\":\"\"}}");
        assertThat(ImageJson.read(json.getBytes(StandardCharsets.UTF_8), ContainerConfig.class)).isEqualTo(c);
    }

    @Test
    void ociManifestRoundTripsByteForByte() throws IOException {
        String canonical = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":1469},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"sha256:2db29710123e3e53a794f2694094b9b4338aa9ee5c40b930cb8063a1be392c54\",\"size\":2479,"
                + "\"annotations\":{\"a\":\"1\",\"b\":\"2\"}}],"
                + "\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}";
        ImageManifest m = ImageJson.read(canonical.getBytes(StandardCharsets.UTF_8), ImageManifest.class);
        assertThat(m.layers()).hasSize(1);
        assertThat(m.layers().getFirst().size()).isEqualTo(2479);
        assertThat(new String(m.toJson(), StandardCharsets.UTF_8)).isEqualTo(canonical);
    }

    @Test
    void dockerManifestListReadsWithPlatforms() throws IOException {
        String list = """
                {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
                 "manifests": [
                   {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 528,
                    "digest": "sha256:3f4ca61aafcd4fc07267a105067db35c0f0ac630e1970f3cd0c7bf552780e985",
                    "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
                   {"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "size": 527,
                    "digest": "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
                    "platform": {"architecture": "amd64", "os": "linux", "os.features": ["sse4"]}}]}
                """;
        ImageIndex index = ImageJson.read(list.getBytes(StandardCharsets.UTF_8), ImageIndex.class);
        assertThat(index.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(index.manifests()).extracting(d -> d.platform().architecture()).containsExactly("arm", "amd64");
        assertThat(index.manifests().getFirst().platform().variant()).isEqualTo("v7");
    }

    @Test
    void withMethodsReturnChangedCopies() {
        ImageConfig base = ImageConfig.scratch(new Platform("linux", "arm64", "v8"));
        Digest diff = Digest.sha256("layer");
        ImageConfig built = base.withConfig(base.config().withEnvVar("A", "1").withEnvVar("B", "2").withEnvVar("A", "3")
                        .withEntrypoint(List.of("/app")).withVolume("/v").withWorkingDir("/w"))
                .withLayer(diff, ImageConfig.History.of(java.time.Instant.EPOCH, "COPY . /", false))
                .withHistoryEntry(ImageConfig.History.of(java.time.Instant.EPOCH, "ENV A=3", true));
        assertThat(base.config()).isEqualTo(ContainerConfig.EMPTY);
        assertThat(base.rootfs().diffIds()).isEmpty();
        assertThat(built.config().env()).containsExactly("A=3", "B=2");
        assertThat(built.diffIds()).containsExactly(diff);
        assertThat(built.history()).extracting(ImageConfig.History::isEmptyLayer).containsExactly(false, true);
        assertThat(built.variant()).isEqualTo("v8");
        assertThat(built.config().volumes()).isEqualTo(Set.of("/v"));
        String json = new String(base.toJson(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}");
    }

    @Test
    void descriptorsKeepZeroSizeAndRejectBadDigests() {
        Descriptor d = Descriptor.of(MediaTypes.OCI_EMPTY, Digest.sha256(new byte[0]), 0);
        assertThat(new String(ImageJson.write(d), StandardCharsets.UTF_8)).contains("\"size\":0");
        assertThatThrownBy(() -> ImageJson.read(
                "{\"mediaType\":\"x\",\"digest\":\"sha256:zz\",\"size\":1}".getBytes(StandardCharsets.UTF_8), Descriptor.class))
                .isInstanceOf(IOException.class);
    }
}
