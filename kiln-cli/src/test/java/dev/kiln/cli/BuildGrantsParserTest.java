package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import dev.kiln.engine.BuildGrants;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildGrantsParserTest {
    @TempDir
    Path tmp;

    @Test
    void secretsComeFromFilesOrVariablesAndNeverShowInToString() throws Exception {
        Path f = Files.writeString(tmp.resolve("s"), "from-file");
        BuildGrants g = BuildGrantsParser.parse(List.of("id=a,src=" + f, "id=b,env=VAR", "id=VAR2", "id=c,source=" + f,
                "id=d,type=env,src=VAR"), List.of(), List.of(), Map.of("VAR", "from-env", "VAR2", "implicit"));
        assertThat(new String(g.secrets().get("a"), StandardCharsets.UTF_8)).isEqualTo("from-file");
        assertThat(new String(g.secrets().get("b"), StandardCharsets.UTF_8)).isEqualTo("from-env");
        assertThat(new String(g.secrets().get("VAR2"), StandardCharsets.UTF_8)).isEqualTo("implicit");
        assertThat(new String(g.secrets().get("c"), StandardCharsets.UTF_8)).isEqualTo("from-file");
        assertThat(new String(g.secrets().get("d"), StandardCharsets.UTF_8)).isEqualTo("from-env");
        assertThat(g.toString()).doesNotContain("from-file", "from-env", "implicit");
    }

    @Test
    void badSecretsAreClearErrorsWithoutValues() {
        assertThatThrownBy(() -> BuildGrantsParser.parse(List.of("src=/x"), List.of(), List.of(), Map.of()))
                .isInstanceOf(KilnException.class).hasMessageContaining("id= is required");
        assertThatThrownBy(() -> BuildGrantsParser.parse(List.of("id=a,env=NOPE"), List.of(), List.of(), Map.of()))
                .hasMessageContaining("NOPE is not set");
        assertThatThrownBy(() -> BuildGrantsParser.parse(List.of("id=a,src=" + tmp.resolve("missing")), List.of(),
                List.of(), Map.of())).hasMessageContaining("cannot read");
    }

    @Test
    void sshAndEntitlements() {
        BuildGrants g = BuildGrantsParser.parse(List.of(), List.of("default", "deploy=/k1,/k2"),
                List.of("network.host,security.insecure"), Map.of());
        assertThat(g.ssh()).containsEntry("default", List.of()).containsEntry("deploy", List.of(Path.of("/k1"), Path.of("/k2")));
        assertThat(g.entitlements()).containsExactlyInAnyOrder("network.host", "security.insecure");
        assertThatThrownBy(() -> BuildGrantsParser.parse(List.of(), List.of(), List.of("device"), Map.of()))
                .hasMessageContaining("unknown entitlement \"device\"");
    }
}
