package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MounterTest {

    @Test
    void splitsFlagsFromData() {
        var o = Mounter.ParsedOptions.parse(List.of("ro", "rbind", "nosuid", "index=off", "lowerdir=/a:/b"));
        assertThat(o.flags()).isEqualTo(MountSyscalls.MS_RDONLY | MountSyscalls.MS_BIND | MountSyscalls.MS_REC | MountSyscalls.MS_NOSUID);
        assertThat(o.data()).containsExactly("index=off", "lowerdir=/a:/b");
    }

    @Test
    void longLowerdirBecomesOneParameterPerLayer() {
        List<String[]> p = Mounter.overlayParameters(List.of("index=off", "upperdir=/u", "lowerdir=/a:/b:/c"));
        assertThat(p).extracting(kv -> kv[0] + "=" + kv[1])
                .containsExactly("index=off", "upperdir=/u", "lowerdir+=/a", "lowerdir+=/b", "lowerdir+=/c");
    }

    @Test
    void errnoTextComesFromLibc() {
        assertThat(MountSyscalls.strerror(MountSyscalls.EBUSY)).isEqualTo("Device or resource busy");
    }
}
