package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Platform;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import dev.kiln.testkit.registry.LabRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A real registry with distribution token auth, tokens from the lab's in-process token server. */
class TokenRegistryIT {
    @RegisterExtension
    static final LabRegistry REGISTRY = LabRegistry.token();
    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    @TempDir
    Path tmp;

    private static CredentialSource fixed(Credentials c) {
        return host -> host.equals(REGISTRY.host()) ? Optional.of(c) : Optional.empty();
    }

    private static final CredentialSource USER = fixed(Credentials.basic(LabRegistry.USERNAME, LabRegistry.PASSWORD));

    private ImageReference ref(String s) {
        return ImageReference.parse(REGISTRY.reference(s));
    }

    @Test
    void authenticatedPushAndPullWorkAndAnonymousPullIsDenied() throws IOException {
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 31, "amd64", 2000, 3000);
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(), USER)) {
            int beforePush = REGISTRY.tokenRequestCount();
            RecordingListener pushListener = new RecordingListener();
            client.push(ref("team/app:1"), image.manifest(), source, pushListener);
            assertThat(REGISTRY.tokenRequestCount() - beforePush).as("one push-scope token for the parallel uploads").isEqualTo(1);
            assertThat(pushListener.requests).filteredOn(r -> r.endsWith(" 401")).containsExactly("GET /v2/ 401");
            int tokensBefore = REGISTRY.tokenRequestCount();
            FileContentStore fresh = new FileContentStore(tmp.resolve("fresh"));
            PullResult pulled = client.pull(ref("team/app:1"), AMD64, fresh, TransferListener.none());
            assertThat(pulled.downloaded()).isEqualTo(3);
            assertThat(REGISTRY.tokenRequestCount() - tokensBefore)
                    .as("one pull-scope token serves every request of the pull").isEqualTo(1);
            client.pull(ref("team/app:1"), AMD64, new FileContentStore(tmp.resolve("fresh2")), TransferListener.none());
            assertThat(REGISTRY.tokenRequestCount() - tokensBefore).as("the cached token is reused").isEqualTo(1);
        }
        try (RegistryClient authenticated = new RegistryClient(RegistryHosts.defaults(), USER);
                RegistryClient anonymous = authenticated.withCredentials(CredentialSource.anonymous())) {
            assertThat(authenticated.resolve(ref("team/app:1"), AMD64).manifest().digest()).isEqualTo(image.manifest().digest());
            assertThatThrownBy(() -> anonymous.pull(ref("team/app:1"), AMD64, new FileContentStore(tmp.resolve("anon")),
                    TransferListener.none()))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("denied: check credentials for " + REGISTRY.host());
        }
    }

    @Test
    void wrongPasswordIsDeniedByTheTokenServer() {
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(),
                fixed(Credentials.basic(LabRegistry.USERNAME, "nope")))) {
            assertThatThrownBy(() -> client.resolve(ref("team/app:1"), AMD64))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageStartingWith("denied: check credentials for " + REGISTRY.host());
            assertThatThrownBy(() -> client.checkLogin(REGISTRY.host(), Credentials.basic(LabRegistry.USERNAME, "nope")))
                    .isInstanceOf(AccessDeniedException.class);
            client.checkLogin(REGISTRY.host(), Credentials.basic(LabRegistry.USERNAME, LabRegistry.PASSWORD));
        }
    }

    @Test
    void mountAcrossRepositoriesAsksForPullOnTheSource() throws IOException {
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 32, "amd64", 1500);
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(), USER)) {
            client.push(ref("team/base:1"), image.manifest(), source, TransferListener.none());
            RecordingListener listener = new RecordingListener();
            PushResult pushed = client.push(ref("team/derived:1"), image.manifest(), source, listener);
            assertThat(pushed.mounted()).isEqualTo(2);
            assertThat(listener.count("POST", "from=team/base")).isEqualTo(2);
        }
    }

    @Test
    void identityTokenIsExchangedWithTheOAuth2Form() throws Exception {
        FileContentStore source = new FileContentStore(tmp.resolve("source"));
        TestImages.Image image = TestImages.oci(source, 33, "amd64", 800);
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(), USER)) {
            client.push(ref("team/oauth:1"), image.manifest(), source, TransferListener.none());
        }
        String refresh;
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(REGISTRY.tokenRealm()))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&service=kiln-lab-registry&client_id=test"
                            + "&access_type=offline&username=" + LabRegistry.USERNAME + "&password=" + LabRegistry.PASSWORD))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            refresh = TestImages.JSON.readTree(r.body()).path("refresh_token").asText();
        }
        assertThat(refresh).isNotEmpty();
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(), fixed(new Credentials("", "", refresh)))) {
            ResolvedImage resolved = client.resolve(ref("team/oauth:1"), AMD64);
            assertThat(resolved.manifest().digest()).isEqualTo(image.manifest().digest());
        }
        try (RegistryClient client = new RegistryClient(RegistryHosts.defaults(), fixed(new Credentials("", "", "bogus")))) {
            assertThatThrownBy(() -> client.resolve(ref("team/oauth:1"), AMD64)).isInstanceOf(AccessDeniedException.class);
        }
    }
}
