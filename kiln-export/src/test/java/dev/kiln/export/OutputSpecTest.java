package dev.kiln.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import dev.kiln.session.ClientOutput;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link OutputSpec}: buildx's {@code -o} syntax and which outputs a client may receive. */
class OutputSpecTest {
    private static final ClientOutput NOWHERE = kind -> {
        throw new java.io.IOException("not opened in this test");
    };

    @Test
    void parsesBuildxForms() {
        assertThat(OutputSpec.parse("-")).isEqualTo(new OutputSpec("tar", Map.of("dest", "-")));
        assertThat(OutputSpec.parse("out/dir")).isEqualTo(new OutputSpec("local", Map.of("dest", "out/dir")));
        OutputSpec oci = OutputSpec.parse("type=oci,dest=-");
        assertThat(oci.type()).isEqualTo("oci");
        assertThat(oci.dest()).isEqualTo("-");
        assertThat(oci.client()).isNull();
        assertThatThrownBy(() -> OutputSpec.parse("type=docker")).isInstanceOf(KilnException.class)
                .hasMessageContaining("needs dest=PATH");
    }

    @Test
    void onlyFileOutputsGoToAClient() {
        OutputSpec local = OutputSpec.parse("type=local,dest=out").withClient(NOWHERE);
        assertThat(local.client()).isSameAs(NOWHERE);
        assertThat(local.type()).isEqualTo("local");
        assertThat(local.attrs()).containsEntry("dest", "out");
        for (String t : OutputSpec.FILE_TYPES) {
            assertThat(new OutputSpec(t, Map.of("dest", "x")).withClient(NOWHERE).client()).isNotNull();
        }
        assertThatThrownBy(() -> new OutputSpec("image", Map.of()).withClient(NOWHERE)).isInstanceOf(KilnException.class);
        assertThatThrownBy(() -> new OutputSpec("registry", Map.of()).withClient(NOWHERE)).isInstanceOf(KilnException.class);
    }
}
