package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.common.Digest;
import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.registry.errors.DigestMismatchException;
import dev.kiln.registry.errors.ManifestNotFoundException;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.testkit.registry.LabRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Push and pull against a real plain-HTTP registry on loopback, checked with skopeo too. */
class PlainRegistryIT {
    @RegisterExtension
    static final LabRegistry REGISTRY = LabRegistry.plain();
    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    @TempDir
    Path tmp;
    private RegistryClient client;
    private FileContentStore source;

    @BeforeEach
    void setUp() throws IOException {
        client = new RegistryClient(RegistryHosts.defaults(), CredentialSource.anonymous());
        source = new FileContentStore(tmp.resolve("source"));
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    private ImageReference ref(String s) {
        return ImageReference.parse(REGISTRY.reference(s));
    }

    @Test
    void pushThenPullIntoAFreshStoreGivesTheSameBlobs() throws IOException {
        TestImages.Image image = TestImages.oci(source, 1, "amd64", 3000, 70_000, 10);
        PushResult pushed = client.push(ref("roundtrip:1"), image.manifest(), source, TransferListener.none());
        assertThat(pushed.digest()).isEqualTo(image.manifest().digestValue());
        assertThat(pushed.uploaded()).isEqualTo(4);

        FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
        RecordingListener listener = new RecordingListener();
        PullResult pulled = client.pull(ref("roundtrip:1"), AMD64, fresh, listener);

        assertThat(pulled.root().digest()).isEqualTo(image.manifest().digest());
        assertThat(pulled.root().mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(pulled.downloaded()).isEqualTo(4);
        for (Descriptor blob : image.blobs()) {
            assertThat(fresh.readAll(blob.digestValue())).isEqualTo(source.readAll(blob.digestValue()));
        }
        assertThat(fresh.readAll(image.manifest().digestValue())).isEqualTo(source.readAll(image.manifest().digestValue()));
        assertThat(Digest.sha256(fresh.path(image.layers().get(1).digestValue()))).isEqualTo(image.layers().get(1).digestValue());

        RecordingListener again = new RecordingListener();
        PullResult second = client.pull(ref("roundtrip:1"), AMD64, fresh, again);
        assertThat(second.downloaded()).isZero();
        assertThat(again.count("GET", "/blobs/sha256:" + image.layers().getFirst().digestValue().hex())).isZero();

        long blobBytes = image.blobs().stream().mapToLong(Descriptor::size).sum();
        assertThat(client.totals().pushedBytes()).as("blobs and manifest pushed once").isEqualTo(blobBytes + image.manifest().size());
        assertThat(client.totals().pulledBytes()).as("the second pull downloaded nothing").isEqualTo(pulledBytesOf(image));
    }

    /** What a first pull of {@code image} transfers as counted blobs: its layers, config and manifest. */
    private static long pulledBytesOf(TestImages.Image image) {
        return image.blobs().stream().mapToLong(Descriptor::size).sum() + image.manifest().size();
    }

    @Test
    void secondPushSkipsEveryBlob() throws IOException {
        TestImages.Image image = TestImages.oci(source, 2, "amd64", 5000, 6000);
        client.push(ref("skip:1"), image.manifest(), source, TransferListener.none());

        RecordingListener listener = new RecordingListener();
        PushResult again = client.push(ref("skip:1"), image.manifest(), source, listener);

        assertThat(again.uploaded()).isZero();
        assertThat(again.present()).isEqualTo(3);
        assertThat(listener.count("POST")).isZero();
        assertThat(listener.count("PATCH")).isZero();
        assertThat(listener.count("HEAD")).isEqualTo(3);
        assertThat(listener.count("PUT", "/blobs/")).isZero();
        assertThat(listener.count("PUT", "/v2/skip/manifests/1")).isOne();
        for (Descriptor blob : image.blobs()) {
            assertThat(listener.outcomes.get(blob.digest())).isEqualTo(TransferListener.Outcome.ALREADY_PRESENT);
        }
    }

    @Test
    void pushingTheSameLayersToAnotherRepositoryMountsThem() throws IOException {
        TestImages.Image image = TestImages.oci(source, 3, "amd64", 4000, 4100);
        client.push(ref("mount-src:1"), image.manifest(), source, TransferListener.none());

        RecordingListener listener = new RecordingListener();
        PushResult pushed = client.push(ref("mount-dst:1"), image.manifest(), source, listener);

        assertThat(pushed.mounted()).isEqualTo(3);
        assertThat(pushed.uploaded()).isZero();
        assertThat(listener.count("POST", "mount=")).isEqualTo(3);
        assertThat(listener.requests).filteredOn(r -> r.startsWith("POST")).allMatch(r -> r.contains("from=mount-src") && r.endsWith(" 201"));
        assertThat(listener.count("PATCH")).isZero();
        assertThat(client.hasBlob(ref("mount-dst:1"), image.layers().getFirst().digestValue())).isTrue();
    }

    @Test
    void explicitMountSourceIsUsedByAFreshClient() throws IOException {
        TestImages.Image image = TestImages.oci(source, 4, "amd64", 1234);
        client.push(ref("base:1"), image.manifest(), source, TransferListener.none());
        try (RegistryClient other = new RegistryClient(RegistryHosts.defaults(), CredentialSource.anonymous())) {
            RecordingListener listener = new RecordingListener();
            PushResult pushed = other.push(ref("derived:1"), image.manifest(), source, listener,
                    PushOptions.defaults().withMountFrom(List.of("base")));
            assertThat(pushed.mounted()).isEqualTo(2);
        }
    }

    @Test
    void largeBlobIsUploadedInChunksAndPullsBackIntact() throws IOException {
        TestImages.Image image = TestImages.oci(source, 5, "amd64", 5 << 20, 100);
        long layerSize = image.layers().getFirst().size();
        assertThat(layerSize).isGreaterThan(5L << 20);
        RecordingListener listener = new RecordingListener();
        client.push(ref("chunked:1"), image.manifest(), source, listener, PushOptions.defaults().withChunkSize(1 << 20));

        long expectedChunks = (layerSize + (1 << 20) - 1) / (1 << 20);
        assertThat(listener.count("PATCH")).isEqualTo(expectedChunks);
        assertThat(listener.requests).filteredOn(r -> r.startsWith("PATCH")).allMatch(r -> r.endsWith(" 202"));

        FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
        client.pull(ref("chunked:1"), AMD64, fresh, TransferListener.none());
        assertThat(Digest.sha256(fresh.path(image.layers().getFirst().digestValue())))
                .isEqualTo(image.layers().getFirst().digestValue());
    }

    @Test
    void dockerSchema2ManifestRoundTrips() throws IOException {
        TestImages.Image image = TestImages.docker(source, 6, 2000);
        client.push(ref("docker-types:1"), image.manifest(), source, TransferListener.none());
        RegistryClient.FetchedManifest fetched = client.fetchManifest(ref("docker-types:1"));
        assertThat(fetched.descriptor().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(fetched.bytes()).isEqualTo(source.readAll(image.manifest().digestValue()));
        ResolvedImage resolved = client.resolve(ref("docker-types:1"), AMD64);
        assertThat(resolved.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
        assertThat(resolved.layers()).containsExactlyElementsOf(image.layers());
    }

    @Test
    void indexPushPushesChildrenAndPullPicksThePlatform() throws IOException {
        TestImages.Image amd = TestImages.oci(source, 7, "amd64", 3000);
        TestImages.Image arm = TestImages.oci(source, 8, "arm64", 3100);
        Descriptor index = TestImages.index(source, List.of(amd.manifest(), arm.manifest()), List.of("amd64", "arm64"));
        PushResult pushed = client.push(ref("multi:1"), index, source, TransferListener.none());
        assertThat(pushed.digest()).isEqualTo(index.digestValue());

        FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
        PullResult pulled = client.pull(ref("multi:1"), new Platform("linux", "arm64", "v8"), fresh, TransferListener.none());
        assertThat(pulled.root().digest()).isEqualTo(index.digest());
        assertThat(pulled.image().manifest().digest()).isEqualTo(arm.manifest().digest());
        assertThat(fresh.exists(index.digestValue())).isTrue();
        assertThat(fresh.exists(arm.layers().getFirst().digestValue())).isTrue();
        assertThat(fresh.exists(amd.layers().getFirst().digestValue())).isFalse();

        assertThatThrownBy(() -> client.resolve(ref("multi:1"), new Platform("linux", "s390x", "")))
                .hasMessageContaining("no manifest for platform linux/s390x")
                .hasMessageContaining("linux/arm64");
    }

    @Test
    void zstdAndUncompressedLayersAreJustBytesAndSingleBlobsCanBePushed() throws IOException {
        TestImages.Image zstd = TestImages.build(source, 13, "amd64", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG,
                MediaTypes.OCI_LAYER_ZSTD, 700);
        TestImages.Image plain = TestImages.build(source, 14, "amd64", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG,
                MediaTypes.OCI_LAYER, 800);
        for (Descriptor blob : plain.blobs()) {
            assertThat(client.pushBlob(ref("bytes:plain"), blob, source, TransferListener.none(), PushOptions.defaults()))
                    .isEqualTo(TransferListener.Outcome.TRANSFERRED);
        }
        assertThat(client.pushBlob(ref("bytes:plain"), plain.config(), source, TransferListener.none(), PushOptions.defaults()))
                .isEqualTo(TransferListener.Outcome.ALREADY_PRESENT);
        Digest pushed = client.pushManifest(ref("bytes:plain"), plain.manifest(), source.readAll(plain.manifest().digestValue()),
                TransferListener.none());
        assertThat(pushed).isEqualTo(plain.manifest().digestValue());
        client.push(ref("bytes:zstd"), zstd.manifest(), source, TransferListener.none());

        FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
        for (TestImages.Image image : List.of(zstd, plain)) {
            String tag = image == zstd ? "zstd" : "plain";
            PullResult pulled = client.pull(ref("bytes:" + tag), AMD64, fresh, TransferListener.none());
            assertThat(pulled.image().layers().getFirst().mediaType()).isEqualTo(image.layers().getFirst().mediaType());
            assertThat(fresh.readAll(image.layers().getFirst().digestValue()))
                    .isEqualTo(source.readAll(image.layers().getFirst().digestValue()));
        }
    }

    @Test
    void unknownTagIsReportedAsManifestUnknown() {
        assertThatThrownBy(() -> client.resolve(ref("nothing-here:7"), AMD64))
                .isInstanceOf(ManifestNotFoundException.class)
                .hasMessage(REGISTRY.host() + "/nothing-here: not found: manifest unknown (tag 7)");
    }

    @Test
    void corruptBlobInTheRegistryIsRejectedAndNotStored() throws IOException {
        TestImages.Image image = TestImages.oci(source, 9, "amd64", 2222);
        client.push(ref("corrupt:1"), image.manifest(), source, TransferListener.none());
        Digest layer = image.layers().getFirst().digestValue();
        Path data = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256/" + layer.hex().substring(0, 2) + "/"
                + layer.hex() + "/data");
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(data, bytes);

        FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
        assertThatThrownBy(() -> client.pull(ref("corrupt:1"), AMD64, fresh, TransferListener.none()))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("expected " + layer)
                .hasMessageContaining("got " + Digest.sha256(bytes));
        assertThat(fresh.exists(layer)).isFalse();
        assertThat(fresh.exists(image.manifest().digestValue())).isFalse();
    }

    @Test
    void skopeoReadsBackWhatWasPushed() throws Exception {
        TestImages.Image image = TestImages.oci(source, 10, "amd64", 4321, 1234);
        client.push(ref("for-skopeo:2"), image.manifest(), source, TransferListener.none());

        String out = run("skopeo", "inspect", "--tls-verify=false", "docker://" + REGISTRY.reference("for-skopeo:2"));
        JsonNode inspect = TestImages.JSON.readTree(out);
        assertThat(inspect.path("Digest").asText()).isEqualTo(image.manifest().digest());
        assertThat(inspect.path("Architecture").asText()).isEqualTo("amd64");
        assertThat(inspect.path("Layers")).hasSize(2);
        assertThat(inspect.path("Layers").get(0).asText()).isEqualTo(image.layers().get(0).digest());

        String raw = run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + REGISTRY.reference("for-skopeo:2"));
        assertThat(raw.getBytes(StandardCharsets.UTF_8)).isEqualTo(source.readAll(image.manifest().digestValue()));
    }

    @Test
    void pullsAnImageThatSkopeoCopiedIntoTheRegistry() throws Exception {
        TestImages.Image image = TestImages.oci(source, 11, "amd64", 3333, 4444);
        Path layout = tmp.resolve("source");
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + image.manifest().digest() + "\",\"size\":"
                + image.manifest().size() + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}");
        run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", "docker://" + REGISTRY.reference("from-skopeo:v1"));

        FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
        PullResult pulled = client.pull(ref("from-skopeo:v1"), AMD64, fresh, TransferListener.none());
        assertThat(pulled.image().layers()).extracting(Descriptor::digest)
                .containsExactlyElementsOf(image.layers().stream().map(Descriptor::digest).toList());
        for (Descriptor blob : image.blobs()) {
            assertThat(fresh.readAll(blob.digestValue())).isEqualTo(source.readAll(blob.digestValue()));
        }
    }

    @Test
    void pullsThroughAMirrorAndFallsBackToTheRegistryWhenTheMirrorFails() throws Exception {
        TestImages.Image image = TestImages.oci(source, 12, "amd64", 1000);
        client.push(ref("mirrored/app:1"), image.manifest(), source, TransferListener.none());
        String closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = "127.0.0.1:" + s.getLocalPort();
        }
        RegistryHosts viaLabMirror = RegistryHosts.builder().mirrors(closed, List.of(REGISTRY.host())).build();
        try (RegistryClient mirrored = new RegistryClient(viaLabMirror, CredentialSource.anonymous())) {
            FileContentStore fresh = new FileContentStore(tmp.resolve("via-mirror"));
            PullResult pulled = mirrored.pull(ImageReference.parse(closed + "/mirrored/app:1"), AMD64, fresh, TransferListener.none());
            assertThat(pulled.image().reference().registry()).isEqualTo(closed);
            assertThat(pulled.image().source().registry()).isEqualTo(REGISTRY.host());
            assertThat(fresh.exists(image.layers().getFirst().digestValue())).isTrue();
        }
        RegistryHosts deadMirror = RegistryHosts.builder().mirrors(REGISTRY.host(), List.of(closed)).build();
        try (RegistryClient fallback = new RegistryClient(deadMirror, CredentialSource.anonymous(),
                new dev.kiln.registry.transport.RetryPolicy(2, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(10)), 4)) {
            FileContentStore fresh = new FileContentStore(tmp.resolve("fallback"));
            PullResult pulled = fallback.pull(ref("mirrored/app:1"), AMD64, fresh, TransferListener.none());
            assertThat(pulled.image().source().registry()).isEqualTo(REGISTRY.host());
            assertThat(fresh.exists(image.manifest().digestValue())).isTrue();
        }
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s failed: %s", String.join(" ", cmd), out).isZero();
        return out;
    }
}
