package dev.kiln.registry.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryHostsTest {

    @Test
    void dockerHubApiLivesOnRegistry1() {
        RegistryHosts hosts = RegistryHosts.defaults();
        assertThat(hosts.apiHost("docker.io")).isEqualTo("registry-1.docker.io");
        assertThat(hosts.apiHost("index.docker.io")).isEqualTo("registry-1.docker.io");
        assertThat(hosts.apiHost("ghcr.io")).isEqualTo("ghcr.io");
        assertThat(hosts.apiHost("127.0.0.1:5000")).isEqualTo("127.0.0.1:5000");
    }

    @Test
    void dockerHubShortNameBecomesARegistry1Url() {
        RegistryHosts hosts = RegistryHosts.defaults();
        dev.kiln.oci.ImageReference ref = dev.kiln.oci.ImageReference.parse("busybox:1.36");
        RegistryRequest request = RegistryRequest.of("GET", ref.registry(), dev.kiln.registry.RegistryPaths.manifest(ref), List.of());
        assertThat(request.uri("https", hosts.apiHost(ref.registry())).toString())
                .isEqualTo("https://registry-1.docker.io/v2/library/busybox/manifests/1.36");
        RegistryRequest upload = RegistryRequest.of("PUT", "127.0.0.1:5000", "http://127.0.0.1:5000/v2/a/blobs/uploads/x?_state=s", List.of());
        assertThat(upload.absolute()).isTrue();
        assertThat(upload.uri("https", "ignored").toString()).isEqualTo("http://127.0.0.1:5000/v2/a/blobs/uploads/x?_state=s");
    }

    @Test
    void loopbackHostsAllowPlainHttpOthersOnlyWhenMarked() {
        RegistryHosts hosts = RegistryHosts.builder().insecure("registry.lan:5000").insecure("other.lan").build();
        assertThat(hosts.allowsPlainHttp("127.0.0.1:5000")).isTrue();
        assertThat(hosts.allowsPlainHttp("127.3.4.5")).isTrue();
        assertThat(hosts.allowsPlainHttp("localhost:5000")).isTrue();
        assertThat(hosts.allowsPlainHttp("[::1]:5000")).isTrue();
        assertThat(hosts.isInsecure("127.0.0.1:5000")).as("loopback is not insecure: certificates still count").isFalse();
        assertThat(hosts.allowsPlainHttp("128.0.0.1:5000")).isFalse();
        assertThat(hosts.allowsPlainHttp("127.0.0.256")).isFalse();
        assertThat(hosts.allowsPlainHttp("127.example.com")).isFalse();
        assertThat(hosts.allowsPlainHttp("docker.io")).isFalse();
        assertThat(hosts.allowsPlainHttp("registry.lan:5000")).isTrue();
        assertThat(hosts.allowsPlainHttp("registry.lan:6000")).isFalse();
        assertThat(hosts.allowsPlainHttp("other.lan:7000")).as("a host marked without port covers every port").isTrue();
    }

    @Test
    void certsDirAndMirrors() {
        RegistryHosts hosts = RegistryHosts.builder().certsDir(Path.of("/tmp/certs.d"))
                .mirrors("docker.io", List.of("mirror.lan:5000")).build();
        assertThat(hosts.certsDir()).isEqualTo(Path.of("/tmp/certs.d"));
        assertThat(hosts.mirrors("docker.io")).containsExactly("mirror.lan:5000");
        assertThat(hosts.mirrors("ghcr.io")).isEmpty();
        assertThat(RegistryHosts.defaults().certsDir()).isEqualTo(Path.of("/etc/kiln/certs.d"));
    }

    @Test
    void mirrorsMayBeUrlsAndHttpOnesArePlainHttp() {
        RegistryHosts hosts = RegistryHosts.builder()
                .mirrors("docker.io", List.of("https://mirror.lan:5000", "http://cache.lan/v2/", "plain.lan")).build();
        assertThat(hosts.mirrors("docker.io")).containsExactly("mirror.lan:5000", "cache.lan", "plain.lan");
        assertThat(hosts.mirrors("index.docker.io")).containsExactly("mirror.lan:5000", "cache.lan", "plain.lan");
        assertThat(hosts.usesPlainHttp("cache.lan")).isTrue();
        assertThat(hosts.usesPlainHttp("mirror.lan:5000")).isFalse();
        for (String bad : List.of("https://mirror.lan/some/path", "ftp://mirror.lan", "https://u:p@mirror.lan", "mirror.lan/x", "")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RegistryHosts.builder().mirrors("docker.io", List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void hostConfigAppliesMirrorsCasAndFlags() {
        RegistryHosts hosts = RegistryHosts.builder()
                .host("registry.lan:5000", new RegistryHostConfig(List.of("mirror.lan"), List.of(Path.of("/etc/ca.pem")), true, false))
                .host("registry.lan", new RegistryHostConfig(List.of(), List.of(Path.of("/etc/any-port.pem")), false, true))
                .build();
        assertThat(hosts.mirrors("registry.lan:5000")).containsExactly("mirror.lan");
        assertThat(hosts.isInsecure("registry.lan:5000")).isTrue();
        assertThat(hosts.usesPlainHttp("registry.lan:6000")).isTrue();
        assertThat(hosts.extraCas("registry.lan:5000")).containsExactly(Path.of("/etc/ca.pem"), Path.of("/etc/any-port.pem"));
        assertThat(hosts.extraCas("other.lan")).isEmpty();
    }
}
