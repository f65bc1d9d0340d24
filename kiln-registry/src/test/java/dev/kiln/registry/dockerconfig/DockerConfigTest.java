package dev.kiln.registry.dockerconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.common.KilnException;
import dev.kiln.session.credentials.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private Path config;
    private Path helperStore;

    @BeforeEach
    void setUp() throws IOException {
        config = tmp.resolve("docker/config.json");
        Files.createDirectories(config.getParent());
        helperStore = tmp.resolve("helper-store");
        Files.createDirectories(helperStore);
        // A fake docker-credential-fake: one file per server URL (named by its base64), JSON inside.
        Path helper = tmp.resolve("bin/docker-credential-fake");
        Files.createDirectories(helper.getParent());
        Files.writeString(helper, """
                #!/bin/sh
                store=%s
                case "$1" in
                  get)   url=$(cat); f="$store/$(printf %%s "$url" | base64 -w0 | tr / _)"
                         if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
                  store) json=$(cat); url=$(printf %%s "$json" | sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/')
                         printf %%s "$json" > "$store/$(printf %%s "$url" | base64 -w0 | tr / _)" ;;
                  erase) url=$(cat); rm -f "$store/$(printf %%s "$url" | base64 -w0 | tr / _)" ;;
                  *) echo "unknown action $1"; exit 2 ;;
                esac
                """.formatted(helperStore));
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
    }

    private DockerConfig docker() {
        return new DockerConfig(config, CredentialHelper.Locator.directory(tmp.resolve("bin")));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAuthsWithDockerHubAliasesAndUrlKeys() throws IOException {
        Files.writeString(config, """
                {"auths":{
                  "https://index.docker.io/v1/":{"auth":"%s"},
                  "https://registry.example:5000/v1/":{"auth":"%s"},
                  "ghcr.io":{"auth":"%s","identitytoken":"refresh-123"},
                  "empty.example":{}
                }}""".formatted(b64("hubuser:hubpass"), b64("alice:pa:ss"), b64("bob:")));
        DockerConfig docker = docker();
        assertThat(docker.lookup("docker.io")).contains(Credentials.basic("hubuser", "hubpass"));
        assertThat(docker.lookup("index.docker.io")).contains(Credentials.basic("hubuser", "hubpass"));
        assertThat(docker.lookup("registry-1.docker.io")).contains(Credentials.basic("hubuser", "hubpass"));
        assertThat(docker.lookup("registry.example:5000")).contains(Credentials.basic("alice", "pa:ss"));
        assertThat(docker.lookup("registry.example")).isEmpty();
        assertThat(docker.lookup("ghcr.io")).contains(new Credentials("bob", "", "refresh-123"));
        assertThat(docker.lookup("empty.example")).isEmpty();
        assertThat(docker.lookup("quay.io")).isEmpty();
    }

    @Test
    void missingFileMeansNoCredentials() {
        assertThat(docker().lookup("docker.io")).isEmpty();
    }

    @Test
    void badAuthIsAClearError() throws IOException {
        Files.writeString(config, "{\"auths\":{\"r.example\":{\"auth\":\"%%%\"}}}");
        assertThatThrownBy(() -> docker().lookup("r.example")).isInstanceOf(KilnException.class)
                .hasMessageContaining("auths[\"r.example\"].auth is not valid base64");
    }

    @Test
    void loginWritesAuthsKeepingOtherKeysWithMode0600AndLogoutRemoves() throws IOException {
        Files.writeString(config, """
                {"auths":{"other.example":{"auth":"%s"}},"psFormat":"table {{.ID}}","proxies":{"default":{"httpProxy":"x"}}}
                """.formatted(b64("o:p")));
        DockerConfig docker = docker();
        docker.login("docker.io", Credentials.basic("me", "secret"));
        docker.login("127.0.0.1:5000", Credentials.basic("lab", "pw"));

        JsonNode root = JSON.readTree(config.toFile());
        assertThat(root.path("psFormat").asText()).isEqualTo("table {{.ID}}");
        assertThat(root.path("proxies").path("default").path("httpProxy").asText()).isEqualTo("x");
        assertThat(root.path("auths").path("https://index.docker.io/v1/").path("auth").asText()).isEqualTo(b64("me:secret"));
        assertThat(root.path("auths").path("127.0.0.1:5000").path("auth").asText()).isEqualTo(b64("lab:pw"));
        assertThat(Files.getPosixFilePermissions(config)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        try (var files = Files.list(config.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("config.json");
        }
        assertThat(docker.lookup("docker.io")).contains(Credentials.basic("me", "secret"));

        assertThat(docker.logout("docker.io")).isTrue();
        assertThat(docker.logout("docker.io")).isFalse();
        assertThat(docker.lookup("docker.io")).isEmpty();
        assertThat(docker.lookup("other.example")).contains(Credentials.basic("o", "p"));
        assertThat(docker.lookup("127.0.0.1:5000")).contains(Credentials.basic("lab", "pw"));
    }

    @Test
    void loginWithIdentityTokenStoresIdentitytoken() throws IOException {
        DockerConfig docker = docker();
        docker.login("ghcr.io", new Credentials("bob", "", "refresh-xyz"));
        JsonNode entry = JSON.readTree(config.toFile()).path("auths").path("ghcr.io");
        assertThat(entry.path("identitytoken").asText()).isEqualTo("refresh-xyz");
        assertThat(docker.lookup("ghcr.io")).contains(new Credentials("bob", "", "refresh-xyz"));
    }

    @Test
    void credsStoreIsUsedThroughTheHelperProtocol() throws IOException {
        Files.writeString(config, "{\"credsStore\":\"fake\",\"auths\":{}}");
        DockerConfig docker = docker();
        assertThat(docker.lookup("docker.io")).isEmpty();

        docker.login("docker.io", Credentials.basic("hub", "tok"));
        assertThat(JSON.readTree(config.toFile()).path("auths").size()).as("no secret in the file").isZero();
        try (var stored = Files.list(helperStore)) {
            assertThat(stored.map(p -> p.getFileName().toString()))
                    .containsExactly(b64("https://index.docker.io/v1/").replace('/', '_'));
        }
        assertThat(docker.lookup("docker.io")).contains(Credentials.basic("hub", "tok"));

        assertThat(docker.logout("docker.io")).isTrue();
        assertThat(docker.lookup("docker.io")).isEmpty();
    }

    @Test
    void credHelpersPerHostWinOverCredsStoreAndIdentityTokensRoundTrip() throws IOException {
        Files.writeString(config, "{\"credsStore\":\"missing\",\"credHelpers\":{\"registry.example\":\"fake\"}}");
        DockerConfig docker = docker();
        docker.login("registry.example", new Credentials("", "", "refresh-token-1"));
        Optional<Credentials> c = docker.lookup("registry.example");
        assertThat(c).contains(new Credentials("", "", "refresh-token-1"));
        assertThat(c.get().hasIdentityToken()).isTrue();
        assertThatThrownBy(() -> docker.lookup("other.example")).isInstanceOf(KilnException.class)
                .hasMessageContaining("docker-credential-missing").hasMessageContaining("not installed");
    }

    @Test
    void helperFailureIsReported() throws IOException {
        Path broken = tmp.resolve("bin/docker-credential-broken");
        Files.writeString(broken, "#!/bin/sh\necho 'keychain locked' >&2\nexit 3\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config, "{\"credHelpers\":{\"r.example\":\"broken\"}}");
        assertThatThrownBy(() -> docker().lookup("r.example")).isInstanceOf(KilnException.class)
                .hasMessageContaining("docker-credential-broken get failed (exit 3): keychain locked");
    }

    @Test
    void credentialsNeverPrintSecrets() {
        assertThat(new Credentials("u", "hunter2", "tok").toString()).doesNotContain("hunter2").doesNotContain("tok").contains("u");
    }
}
