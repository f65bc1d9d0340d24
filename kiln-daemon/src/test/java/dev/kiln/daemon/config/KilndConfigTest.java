package dev.kiln.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.engine.GcPolicy;
import dev.kiln.executor.ResourceLimits;
import dev.kiln.registry.transport.RegistryHostConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KilndConfigTest {
    @Test
    void readsEverySetting() {
        KilndConfig c = KilndConfig.fromToml("""
                # kilnd config
                root = "/srv/kiln"   # state
                [grpc]
                address = ["unix:///run/k.sock", 'tcp://0.0.0.0:1234']
                group = "docker"
                [grpc.tls]
                cert = "/etc/kiln/s.pem"
                key = "/etc/kiln/s.key"
                ca = "/etc/kiln/ca.pem"
                [worker]
                runtime = "crun"
                max_parallelism = 4
                [registry]
                insecure = ["reg.local:5000"]
                [daemon]
                shutdown_grace_seconds = 5
                allowed_entitlements = ["network.host"]
                """);
        assertThat(c.root()).isEqualTo(Path.of("/srv/kiln"));
        assertThat(c.addresses()).extracting(Object::toString).containsExactly("unix:///run/k.sock", "tcp://0.0.0.0:1234");
        assertThat(c.socketGroup()).isEqualTo("docker");
        assertThat(c.tls()).isEqualTo(new KilndConfig.Tls(Path.of("/etc/kiln/s.pem"), Path.of("/etc/kiln/s.key"),
                Path.of("/etc/kiln/ca.pem")));
        assertThat(c.runtime()).isEqualTo("crun");
        assertThat(c.maxParallelism()).isEqualTo(4);
        assertThat(c.insecureRegistries()).containsExactly("reg.local:5000");
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.allowedEntitlements()).containsExactly("network.host");
    }

    @Test
    void anEmptyFileGivesTheDefaults() {
        KilndConfig c = KilndConfig.fromToml("\n# nothing\n");
        assertThat(c).isEqualTo(KilndConfig.defaults());
        assertThat(c.addresses().getFirst().toString()).isEqualTo("unix:///run/kiln/kilnd.sock");
    }

    @Test
    void tcpWithoutTlsNeedsTheExplicitSwitch() {
        assertThatThrownBy(() -> KilndConfig.fromToml("[grpc]\naddress = [\"tcp://127.0.0.1:1\"]\n"))
                .hasMessageContaining("without TLS");
        KilndConfig ok = KilndConfig.fromToml("[grpc]\naddress = [\"tcp://127.0.0.1:1\"]\ninsecure_tcp = true\n");
        assertThat(ok.insecureTcp()).isTrue();
    }

    @Test
    void mistakesAreReportedWithTheirLine() {
        assertThatThrownBy(() -> KilndConfig.fromToml("root = \"/x\"\nrot = \"/y\"\n")).hasMessageContaining("unknown setting \"rot\"");
        assertThatThrownBy(() -> KilndConfig.fromToml("[grpc.tls]\ncert = \"/c\"\n")).hasMessageContaining("cert, key and ca");
        assertThatThrownBy(() -> KilndConfig.fromToml("[worker]\nruntime = \"docker\"\n")).hasMessageContaining("runc");
        assertThatThrownBy(() -> TomlSubset.parse("a = 1\nb = {x = 1}\n")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> TomlSubset.parse("a = \"open\n")).hasMessageContaining("line 1");
        assertThatThrownBy(() -> TomlSubset.parse("a = 1\na = 2\n")).hasMessageContaining("defined twice");
    }

    @Test
    void parsesStringsNumbersBooleansAndArrays() {
        Map<String, Object> m = TomlSubset.parse("""
                s = "tab\\there \\"q\\" \\u00e9"
                l = 'C:\\raw'
                n = 1_000
                b = false
                "quoted key" = []
                [a.b]
                arr = [ 1, "two", true, ]
                """);
        assertThat(m).containsEntry("s", "tab\there \"q\" é").containsEntry("l", "C:\\raw").containsEntry("n", 1000L)
                .containsEntry("b", false).containsEntry("\"quoted key\"", List.of()).containsEntry("a.b.arr", List.of(1L, "two", true));
    }

    @Test
    void readsGcWorkerLimitsAndRegistryTables() {
        KilndConfig c = KilndConfig.fromToml("""
                [gc]
                keep_storage = "10GB"
                keep_duration = "48h"
                interval = "10m"
                [worker]
                memory = "2GB"
                pids_limit = 4096
                cpu_shares = 512
                [registry]
                insecure = ["reg.local:5000"]
                certs_dir = "/etc/kiln/certs.d"
                [registry."docker.io"]
                mirrors = ["https://mirror.local:5000", "http://cache.lan"]
                ca = "/etc/kiln/mirror-ca.pem"
                [registry."reg.lan:5000"]
                http = true
                [registry.localhost]
                insecure = true
                """);
        assertThat(c.gcPolicy()).isEqualTo(new GcPolicy(10L << 30, Duration.ofHours(48), Duration.ofMinutes(10)));
        assertThat(c.runLimits()).isEqualTo(new ResourceLimits(2L << 30, 4096, 512));
        assertThat(c.registryCertsDir()).isEqualTo(Path.of("/etc/kiln/certs.d"));
        assertThat(c.registries()).containsOnlyKeys("docker.io", "reg.lan:5000", "localhost");
        assertThat(c.registries().get("docker.io")).isEqualTo(new RegistryHostConfig(
                List.of("https://mirror.local:5000", "http://cache.lan"), List.of(Path.of("/etc/kiln/mirror-ca.pem")), false, false));
        assertThat(c.registries().get("reg.lan:5000").plainHttp()).isTrue();
        assertThat(c.registries().get("localhost").insecure()).isTrue();
    }

    @Test
    void gcDefaultsToTheStateDirsShareAndCanBeTurnedOff() {
        KilndConfig d = KilndConfig.fromToml("root = \"/tmp\"\n");
        assertThat(d.gcPolicy()).isEqualTo(new GcPolicy(GcPolicy.defaultKeepStorage(Path.of("/tmp")), Duration.ZERO,
                KilndConfig.DEFAULT_GC_INTERVAL));
        assertThat(d.runLimits()).isEqualTo(ResourceLimits.NONE);
        assertThat(KilndConfig.fromToml("[gc]\nenabled = false\nkeep_storage = 5\n").gcPolicy()).isEqualTo(GcPolicy.DISABLED);
        assertThat(KilndConfig.fromToml("[gc]\nkeep_duration = \"7d\"\ninterval = \"0\"\n").gcPolicy())
                .isEqualTo(new GcPolicy(0, Duration.ofDays(7), Duration.ZERO));
        assertThat(KilndConfig.fromToml("[gc]\nkeep_storage = 1048576\n").gcPolicy().keepStorage()).isEqualTo(1L << 20);
    }

    @Test
    void newSettingsReportMistakesWithTheirLine() {
        assertThatThrownBy(() -> KilndConfig.fromToml("[gc]\nkeep_storage = \"lots\"\n"))
                .hasMessageStartingWith("line 2: gc.keep_storage");
        assertThatThrownBy(() -> KilndConfig.fromToml("[gc]\n\nkeep_duration = true\n")).hasMessageStartingWith("line 3:");
        assertThatThrownBy(() -> KilndConfig.fromToml("[worker]\nmemory = \"1MB\"\n")).hasMessageContaining("line 2")
                .hasMessageContaining("minimum");
        assertThatThrownBy(() -> KilndConfig.fromToml("[worker]\npids = 5\n"))
                .hasMessage("line 2: unknown setting \"worker.pids\"");
        assertThatThrownBy(() -> KilndConfig.fromToml("[registry.docker.io]\nmirrors = [\"m\"]\n"))
                .hasMessageContaining("line 2").hasMessageContaining("quote a registry host");
        assertThatThrownBy(() -> KilndConfig.fromToml("[registry.\"docker.io\"]\nmirror = [\"m\"]\n"))
                .hasMessage("line 2: unknown setting \"registry.\"docker.io\".mirror\"");
        assertThatThrownBy(() -> KilndConfig.fromToml("[registry.\"docker.io\"]\nmirrors = [\"https://m/path\"]\n"))
                .hasMessageStartingWith("line 2: invalid mirror URL");
    }

    @Test
    void quotedSegmentsSplitBack() {
        assertThat(TomlSubset.segments("registry.\"docker.io\".mirrors")).containsExactly("registry", "docker.io", "mirrors");
        assertThat(TomlSubset.segments("a.\"q\\\"x.y\"")).containsExactly("a", "q\"x.y");
        assertThat(TomlSubset.parse("[t.\"a\\\"b.c\"]\nk = 1\n")).containsOnlyKeys("t.\"a\\\"b.c\".k");
    }
}
