package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.dockerconfig.CredentialHelper;
import dev.kiln.registry.dockerconfig.DockerConfig;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.registry.errors.RegistryUnreachableException;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import dev.kiln.testkit.registry.LabRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A real registry over HTTPS with a lab CA (from a certs.d directory) and htpasswd Basic auth. */
class TlsBasicRegistryIT {
    @RegisterExtension
    static final LabRegistry REGISTRY = LabRegistry.tlsBasic();
    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    @TempDir
    Path tmp;

    private RegistryHosts hosts() throws IOException {
        return RegistryHosts.builder().certsDir(REGISTRY.certsDir()).build();
    }

    private static CredentialSource user(String password) {
        return host -> host.equals(REGISTRY.host()) ? Optional.of(Credentials.basic(LabRegistry.USERNAME, password)) : Optional.empty();
    }

    private ImageReference ref(String s) {
        return ImageReference.parse(REGISTRY.reference(s));
    }

    @Test
    void pushAndPullWithBasicAuthOverTls() throws IOException {
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 21, "amd64", 3000, 9000);
        try (RegistryClient client = new RegistryClient(hosts(), user(LabRegistry.PASSWORD))) {
            RecordingListener listener = new RecordingListener();
            client.push(ref("secure/app:1"), image.manifest(), source, listener);
            assertThat(listener.requests).allMatch(r -> !r.endsWith(" 403"));
            assertThat(listener.requests).filteredOn(r -> r.startsWith("HEAD") && r.endsWith(" 404")).hasSize(3);
            assertThat(listener.requests).as("the ping learnt Basic: no request is refused first")
                    .filteredOn(r -> r.endsWith(" 401")).containsExactly("GET /v2/ 401");

            FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
            PullResult pulled = client.pull(ref("secure/app:1"), AMD64, fresh, TransferListener.none());
            assertThat(pulled.root().digest()).isEqualTo(image.manifest().digest());
            for (Descriptor blob : image.blobs()) {
                assertThat(fresh.readAll(blob.digestValue())).isEqualTo(source.readAll(blob.digestValue()));
            }
        }
    }

    @Test
    void wrongPasswordIsDenied() throws IOException {
        try (RegistryClient client = new RegistryClient(hosts(), user("not-the-password"))) {
            assertThatThrownBy(() -> client.resolve(ref("secure/app:1"), AMD64))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("denied: check credentials for " + REGISTRY.host());
        }
    }

    @Test
    void anonymousIsDenied() throws IOException {
        try (RegistryClient client = new RegistryClient(hosts(), CredentialSource.anonymous())) {
            assertThatThrownBy(() -> client.resolve(ref("secure/app:1"), AMD64))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("denied: check credentials for " + REGISTRY.host());
        }
    }

    @Test
    void untrustedCertificateIsAnErrorNotAFallbackToHttp() {
        RegistryHosts noCa = RegistryHosts.builder().certsDir(tmp.resolve("empty-certs.d")).build();
        try (RegistryClient client = new RegistryClient(noCa, user(LabRegistry.PASSWORD))) {
            assertThatThrownBy(() -> client.resolve(ref("secure/app:1"), AMD64))
                    .isInstanceOf(RegistryUnreachableException.class)
                    .hasMessageContaining("TLS handshake with " + REGISTRY.host() + " failed");
        }
    }

    @Test
    void aConfiguredCaFileIsTrustedWithoutCertsD() throws IOException {
        RegistryHosts withCa = RegistryHosts.builder().certsDir(tmp.resolve("empty-certs.d"))
                .host(REGISTRY.host(), new dev.kiln.registry.transport.RegistryHostConfig(List.of(), List.of(REGISTRY.caCert()),
                        false, false))
                .build();
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 23, "amd64", 100);
        try (RegistryClient client = new RegistryClient(withCa, user(LabRegistry.PASSWORD))) {
            PushResult pushed = client.push(ref("secure/ca-file:1"), image.manifest(), source, TransferListener.none());
            assertThat(pushed.digest()).isEqualTo(image.manifest().digestValue());
        }
    }

    @Test
    void insecureHostSkipsCertificateVerification() throws IOException {
        RegistryHosts insecure = RegistryHosts.builder().certsDir(tmp.resolve("empty-certs.d")).insecure(REGISTRY.host()).build();
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 22, "amd64", 100);
        try (RegistryClient client = new RegistryClient(insecure, user(LabRegistry.PASSWORD))) {
            PushResult pushed = client.push(ref("secure/insecure:1"), image.manifest(), source, TransferListener.none());
            assertThat(pushed.digest()).isEqualTo(image.manifest().digestValue());
        }
    }

    @Test
    void checkLoginThenDockerConfigLoginGivesWorkingCredentials() throws IOException {
        Path config = tmp.resolve("docker/config.json");
        DockerConfig docker = new DockerConfig(config, CredentialHelper.Locator.directory(tmp));
        try (RegistryClient probe = new RegistryClient(hosts(), CredentialSource.anonymous())) {
            assertThatThrownBy(() -> probe.checkLogin(REGISTRY.host(), Credentials.basic(LabRegistry.USERNAME, "wrong")))
                    .isInstanceOf(AccessDeniedException.class);
            Credentials good = Credentials.basic(LabRegistry.USERNAME, LabRegistry.PASSWORD);
            probe.checkLogin(REGISTRY.host(), good);
            docker.login(REGISTRY.host(), good);
        }
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 23, "amd64", 555);
        try (RegistryClient client = new RegistryClient(hosts(), docker)) {
            PushResult pushed = client.push(ref("secure/login:1"), image.manifest(), source, TransferListener.none());
            assertThat(pushed.uploaded()).isEqualTo(2);
        }
        assertThat(docker.logout(REGISTRY.host())).isTrue();
        assertThat(docker.lookup(REGISTRY.host())).isEmpty();
    }
}
