package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.testkit.registry.LabRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull mirrors against two real registries: an upstream and its mirror (both Debian's
 * docker-registry on loopback). Every request the client sends is recorded with its host, so
 * the test sees which registry was asked for what.
 */
class MirrorPullIT {
    @RegisterExtension
    static final LabRegistry UPSTREAM = LabRegistry.plain();
    @RegisterExtension
    static final LabRegistry MIRROR = LabRegistry.plain();
    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    @TempDir
    Path tmp;
    private FileContentStore source;
    private RegistryHosts mirrored;

    /** Records {@code METHOD HOST:PORT PATH STATUS} of every request. */
    private static final class Requests implements TransferListener {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void exchanged(String method, URI uri, int status) {
            lines.add(method + " " + uri.getHost() + ":" + uri.getPort() + " " + uri.getPath() + " " + status);
        }

        List<String> to(LabRegistry r) {
            return lines.stream().filter(l -> l.split(" ")[1].equals(r.host())).toList();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        source = new FileContentStore(tmp.resolve("source"));
        mirrored = RegistryHosts.builder().mirrors(UPSTREAM.host(), List.of("http://" + MIRROR.host() + "/")).build();
    }

    private static void push(LabRegistry r, String repoTag, TestImages.Image image, FileContentStore store) {
        try (RegistryClient plain = new RegistryClient(RegistryHosts.defaults(), CredentialSource.anonymous())) {
            plain.push(ImageReference.parse(r.reference(repoTag)), image.manifest(), store, TransferListener.none());
        }
    }

    @Test
    void pullsFromTheMirrorWithoutAskingTheRegistryWhenTheMirrorHasTheImage() throws IOException {
        TestImages.Image upstreamImage = TestImages.oci(source, 31, "amd64", 2000);
        TestImages.Image mirrorImage = TestImages.oci(source, 32, "amd64", 3000);
        push(UPSTREAM, "team/app:1", upstreamImage, source);
        push(MIRROR, "team/app:1", mirrorImage, source);

        Requests requests = new Requests();
        try (RegistryClient client = new RegistryClient(mirrored, CredentialSource.anonymous())) {
            FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
            PullResult pulled = client.pull(ImageReference.parse(UPSTREAM.reference("team/app:1")), AMD64, fresh, requests);
            assertThat(pulled.root().digest()).as("the mirror's copy was pulled").isEqualTo(mirrorImage.manifest().digest());
            assertThat(pulled.image().reference().registry()).isEqualTo(UPSTREAM.host());
            assertThat(pulled.image().source().registry()).isEqualTo(MIRROR.host());
            assertThat(fresh.exists(mirrorImage.layers().getFirst().digestValue())).isTrue();
        }
        assertThat(requests.to(UPSTREAM)).as("the registry itself was never asked").isEmpty();
        assertThat(requests.to(MIRROR)).anyMatch(l -> l.startsWith("GET") && l.contains("/v2/team/app/manifests/1 200"));
    }

    @Test
    void fallsBackToTheRegistryWhenTheMirrorLacksTheImage() throws IOException {
        TestImages.Image image = TestImages.oci(source, 33, "amd64", 2500);
        push(UPSTREAM, "only-upstream:1", image, source);

        Requests requests = new Requests();
        try (RegistryClient client = new RegistryClient(mirrored, CredentialSource.anonymous())) {
            FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
            PullResult pulled = client.pull(ImageReference.parse(UPSTREAM.reference("only-upstream:1")), AMD64, fresh,
                    requests);
            assertThat(pulled.root().digest()).isEqualTo(image.manifest().digest());
            assertThat(pulled.image().source().registry()).isEqualTo(UPSTREAM.host());
        }
        assertThat(requests.to(MIRROR)).anyMatch(l -> l.contains("/v2/only-upstream/manifests/1 404"));
        assertThat(requests.to(UPSTREAM)).anyMatch(l -> l.contains("/v2/only-upstream/manifests/1 200"));
        assertThat(requests.to(MIRROR)).noneMatch(l -> l.contains("/blobs/"));
    }

    @Test
    void aMirrorThatLosesABlobGivesWayToTheRegistry() throws IOException {
        TestImages.Image image = TestImages.oci(source, 34, "amd64", 4000, 5000);
        push(UPSTREAM, "broken:1", image, source);
        push(MIRROR, "broken:1", image, source);
        Descriptor lost = image.layers().get(1);
        Path data = MIRROR.storageDir().resolve("docker/registry/v2/blobs/sha256/" + lost.digestValue().hex().substring(0, 2)
                + "/" + lost.digestValue().hex() + "/data");
        Files.delete(data);

        Requests requests = new Requests();
        try (RegistryClient client = new RegistryClient(mirrored, CredentialSource.anonymous(),
                new dev.kiln.registry.transport.RetryPolicy(2, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(10)), 4)) {
            FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
            PullResult pulled = client.pull(ImageReference.parse(UPSTREAM.reference("broken:1")), AMD64, fresh, requests);
            assertThat(pulled.image().source().registry()).isEqualTo(UPSTREAM.host());
            for (Descriptor blob : image.blobs()) {
                assertThat(fresh.readAll(blob.digestValue())).isEqualTo(source.readAll(blob.digestValue()));
            }
        }
        assertThat(requests.to(MIRROR)).anyMatch(l -> l.contains("/blobs/" + lost.digest()));
        assertThat(requests.to(UPSTREAM)).anyMatch(l -> l.startsWith("GET") && l.contains("/blobs/" + lost.digest() + " 200"));
    }

    @Test
    void pushesNeverGoToTheMirror() throws IOException {
        TestImages.Image image = TestImages.oci(source, 35, "amd64", 1500);
        Requests requests = new Requests();
        try (RegistryClient client = new RegistryClient(mirrored, CredentialSource.anonymous())) {
            client.push(ImageReference.parse(UPSTREAM.reference("pushed:1")), image.manifest(), source, requests);
        }
        assertThat(requests.to(MIRROR)).isEmpty();
        assertThat(requests.to(UPSTREAM)).anyMatch(l -> l.startsWith("PUT") && l.contains("/v2/pushed/manifests/1 201"));
    }
}
