package dev.kiln.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DaemonAddressTest {
    @Test
    void parsesUnixAndTcp() {
        DaemonAddress u = DaemonAddress.parse("unix:///run/kiln/kilnd.sock");
        assertThat(u.isUnix()).isTrue();
        assertThat(u.path()).isEqualTo(Path.of("/run/kiln/kilnd.sock"));
        assertThat(u.toString()).isEqualTo("unix:///run/kiln/kilnd.sock");
        DaemonAddress t = DaemonAddress.parse("tcp://127.0.0.1:1234");
        assertThat(t.host()).isEqualTo("127.0.0.1");
        assertThat(t.port()).isEqualTo(1234);
        assertThat(DaemonAddress.parse("tcp://[::1]:9").toString()).isEqualTo("tcp://[::1]:9");
    }

    @Test
    void rejectsWhatItCannotDial() {
        for (String bad : new String[] {"unix://", "tcp://host", "http://x:1", "/run/kilnd.sock", "tcp://:5"}) {
            assertThatThrownBy(() -> DaemonAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
