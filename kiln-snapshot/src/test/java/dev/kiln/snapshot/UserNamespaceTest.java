package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class UserNamespaceTest {
    @Test
    void theInitialNamespaceMapsEveryIdToItself() {
        assertThat(UserNamespace.nested(List.of("         0          0 4294967295"))).isFalse();
        assertThat(UserNamespace.nested(List.of("0 1001 1", "1 200000 65536"))).isTrue();
        assertThat(UserNamespace.nested(List.of("0 0 65536"))).isTrue();
    }
}
