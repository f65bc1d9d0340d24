package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResourceLimitsTest {

    @Test
    void readsTheEnvironment() {
        ResourceLimits l = ResourceLimits.fromEnvironment(Map.of("KILN_RUN_MEMORY", "512MB", "KILN_RUN_PIDS_LIMIT", "4096",
                "KILN_RUN_CPU_SHARES", "512"));
        assertThat(l).isEqualTo(new ResourceLimits(512L << 20, 4096, 512));
        assertThat(ResourceLimits.fromEnvironment(Map.of())).isEqualTo(ResourceLimits.NONE);
        assertThat(ResourceLimits.fromEnvironment(Map.of("KILN_RUN_MEMORY", " ")).isEmpty()).isTrue();
        assertThat(ResourceLimits.fromEnvironment(Map.of("KILN_RUN_MEMORY", "1.5g")).memoryBytes()).isEqualTo(3L << 29);
    }

    @Test
    void rejectsInvalidValuesNamingTheVariable() {
        assertThatThrownBy(() -> ResourceLimits.fromEnvironment(Map.of("KILN_RUN_MEMORY", "lots")))
                .hasMessageContaining("KILN_RUN_MEMORY").hasMessageContaining("lots");
        assertThatThrownBy(() -> ResourceLimits.fromEnvironment(Map.of("KILN_RUN_PIDS_LIMIT", "-3")))
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> ResourceLimits.fromEnvironment(Map.of("KILN_RUN_CPU_SHARES", "1")))
                .hasMessageContaining("between 2 and 262144");
        assertThatThrownBy(() -> new ResourceLimits(1 << 20, 0, 0)).hasMessageContaining("minimum");
    }

    @Test
    void specEntriesSetOnlyWhatIsLimited() {
        assertThat(new ResourceLimits(64L << 20, 20, 0).specEntries(true)).isEqualTo(Map.of(
                "memory", Map.of("limit", 64L << 20, "swap", 64L << 20), "pids", Map.of("limit", 20L)));
        assertThat(new ResourceLimits(64L << 20, 0, 100).specEntries(false)).isEqualTo(Map.of(
                "memory", Map.of("limit", 64L << 20), "cpu", Map.of("shares", 100L)));
        assertThat(ResourceLimits.NONE.specEntries(true)).isEmpty();
        assertThat(new ResourceLimits(2L << 30, 4096, 0)).hasToString("memory=2048.0MiB pids=4096");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRuntimeSpecCarriesLimitsBesideTheDeviceRules() {
        RuntimeSpec.Host host = new RuntimeSpec.Host(Path.of("/b/hosts"), Path.of("/b/resolv.conf"), 1024, List.of(),
                Optional.of("/kiln/x"), false, new ResourceLimits(0, 20, 0).specEntries(false));
        Map<String, Object> spec = RuntimeSpec.build(Path.of("/rootfs"), ProcessSpec.of(List.of("true"), List.of()),
                new ContainerUser(0, 0, List.of(), "/root"), host);
        Map<String, Object> resources = (Map<String, Object>) ((Map<String, Object>) spec.get("linux")).get("resources");
        assertThat(resources).containsEntry("pids", Map.of("limit", 20L)).containsKey("devices");

        RuntimeSpec.Host rootless = new RuntimeSpec.Host(Path.of("/b/hosts"), Path.of("/b/resolv.conf"), 1024, List.of(),
                Optional.empty(), true);
        Map<String, Object> plain = RuntimeSpec.build(Path.of("/rootfs"), ProcessSpec.of(List.of("true"), List.of()),
                new ContainerUser(0, 0, List.of(), "/root"), rootless);
        assertThat((Map<String, Object>) plain.get("linux")).doesNotContainKey("resources");
    }
}
