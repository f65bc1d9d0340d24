package dev.kiln.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import dev.kiln.executor.ResourceLimits;
import dev.kiln.registry.transport.RegistryHostConfig;
import dev.kiln.registry.transport.RegistryHosts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineConfigTest {
    @TempDir
    Path state;

    @Test
    void mirrorsFromTheEnvironmentKeepTheirOrderPerRegistry() {
        Map<String, RegistryHostConfig> m = EngineConfig.mirrorsFromEnvironment(
                " docker.io=https://mirror.lan:5000, ghcr.io=m2.lan docker.io=http://cache.lan ");
        assertThat(m).containsOnlyKeys("docker.io", "ghcr.io");
        assertThat(m.get("docker.io").mirrorHosts()).containsExactly("mirror.lan:5000", "cache.lan");
        assertThat(EngineConfig.mirrorsFromEnvironment(null)).isEmpty();
        assertThat(EngineConfig.mirrorsFromEnvironment("  ")).isEmpty();
        assertThatThrownBy(() -> EngineConfig.mirrorsFromEnvironment("docker.io")).isInstanceOf(KilnException.class)
                .hasMessageContaining("KILN_REGISTRY_MIRRORS");
        assertThatThrownBy(() -> EngineConfig.mirrorsFromEnvironment("docker.io=https://m/some/path"))
                .isInstanceOf(KilnException.class).hasMessageContaining("invalid mirror URL");
    }

    @Test
    void explicitSettingsReachTheRegistryHostsAndStayAsGiven() {
        GcPolicy gc = new GcPolicy(1 << 20, Duration.ofHours(1), Duration.ofMinutes(5));
        ResourceLimits limits = new ResourceLimits(64L << 20, 100, 0);
        EngineConfig c = new EngineConfig(state, null, 2, List.of("insecure.lan"), Path.of("/certs"), gc, limits,
                Map.of("docker.io", new RegistryHostConfig(List.of("http://cache.lan"), List.of(Path.of("/ca.pem")), false, false)));
        assertThat(c.gc()).isEqualTo(gc);
        assertThat(c.runLimits()).isEqualTo(limits);
        RegistryHosts hosts = c.registryHosts();
        assertThat(hosts.mirrors("docker.io")).containsExactly("cache.lan");
        assertThat(hosts.usesPlainHttp("cache.lan")).isTrue();
        assertThat(hosts.extraCas("docker.io")).containsExactly(Path.of("/ca.pem"));
        assertThat(hosts.isInsecure("insecure.lan")).isTrue();
        assertThat(hosts.certsDir()).isEqualTo(Path.of("/certs"));
    }
}
