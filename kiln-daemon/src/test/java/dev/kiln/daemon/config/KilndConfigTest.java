package dev.kiln.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
                .containsEntry("b", false).containsEntry("quoted key", List.of()).containsEntry("a.b.arr", List.of(1L, "two", true));
    }
}
