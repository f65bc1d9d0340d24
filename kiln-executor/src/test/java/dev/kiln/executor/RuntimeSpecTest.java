package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeSpecTest {

    private static final RuntimeSpec.Host HOST = new RuntimeSpec.Host(Path.of("/b/hosts"), Path.of("/b/resolv.conf"),
            20000, List.of("CAP_CHOWN", "CAP_SYS_ADMIN"), Optional.of("/kiln/x"));

    private static ProcessSpec spec(NetworkMode network, boolean insecure, List<String> env) {
        return new ProcessSpec(List.of("true"), env, "/", "0", "h", network, insecure,
                List.of(MountSpec.bind("/src", "/dst", true)));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> m, String... keys) {
        Object o = m;
        for (String k : keys) {
            o = ((Map<String, Object>) o).get(k);
        }
        return (T) o;
    }

    @Test
    void defaultSpecFollowsDocker() {
        var s = RuntimeSpec.build(Path.of("/rootfs"), spec(NetworkMode.DEFAULT, false, List.of()),
                new ContainerUser(1000, 1000, List.of(50), "/home/app"), HOST);
        assertThat((List<String>) at(s, "process", "capabilities", "bounding")).isEqualTo(Capabilities.DOCKER_DEFAULT).hasSize(14);
        assertThat((List<String>) at(s, "process", "env")).containsExactly("PATH=" + RuntimeSpec.DEFAULT_PATH, "HOME=/home/app");
        assertThat((Object) at(s, "process", "user")).isEqualTo(Map.of("uid", 1000, "gid", 1000, "additionalGids", List.of(50)));
        assertThat((Object) at(s, "process", "rlimits")).isEqualTo(List.of(Map.of("type", "RLIMIT_NOFILE", "hard", 20000L, "soft", 20000L)));
        List<Map<String, Object>> ns = at(s, "linux", "namespaces");
        assertThat(ns).extracting(n -> n.get("type")).containsExactly("pid", "ipc", "uts", "mount");
        assertThat((List<String>) at(s, "linux", "maskedPaths")).contains("/proc/kcore", "/sys/firmware");
        assertThat((List<String>) at(s, "linux", "readonlyPaths")).contains("/proc/sys");
        assertThat((String) at(s, "linux", "cgroupsPath")).isEqualTo("/kiln/x");
        List<Map<String, Object>> mounts = at(s, "mounts");
        assertThat(mounts).extracting(m -> m.get("destination")).containsExactlyElementsOf(
                RuntimeSpec.mountDestinations(spec(NetworkMode.DEFAULT, false, List.of())));
        assertThat(mounts.get(5).get("options")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).contains("ro");
        assertThat(mounts.getLast()).containsEntry("source", "/src").containsEntry("destination", "/dst");
    }

    @Test
    void networkNoneAddsANamespaceAndInsecureOpensEverything() {
        var s = RuntimeSpec.build(Path.of("/rootfs"), spec(NetworkMode.NONE, true, List.of("PATH=/x", "HOME=/h")),
                new ContainerUser(0, 0, List.of(), "/root"), HOST);
        List<Map<String, Object>> ns = at(s, "linux", "namespaces");
        assertThat(ns).extracting(n -> n.get("type")).contains("network");
        assertThat((List<String>) at(s, "process", "capabilities", "effective")).isEqualTo(HOST.allCapabilities());
        assertThat((List<String>) at(s, "linux", "maskedPaths")).isEmpty();
        assertThat((List<String>) at(s, "process", "env")).containsExactly("PATH=/x", "HOME=/h");
        assertThat((Object) at(s, "process", "user")).isEqualTo(Map.of("uid", 0, "gid", 0));
    }

    @Test
    void nofileNeverExceedsTheHardLimit() {
        List<String> limits = List.of(
                "Limit                     Soft Limit           Hard Limit           Units     ",
                "Max processes             96365                96365                processes ",
                "Max open files            1024                 20000                files     ");
        assertThat(HostLimits.containerNofile(limits)).isEqualTo(20000);
        assertThat(HostLimits.containerNofile(List.of("Max open files            unlimited            unlimited            files")))
                .isEqualTo(HostLimits.PREFERRED_NOFILE);
        assertThat(HostLimits.containerNofile(List.of("Max open files            1024  4194304 files")))
                .isEqualTo(HostLimits.PREFERRED_NOFILE);
    }

    @Test
    void exitStatusFollowsRuncConvention() {
        assertThat(ExitStatus.fromRuntimeExitCode(3)).isEqualTo(new ExitStatus(3, false));
        assertThat(ExitStatus.fromRuntimeExitCode(137)).isEqualTo(new ExitStatus(137, true));
        assertThat(ExitStatus.fromRuntimeExitCode(0).success()).isTrue();
    }
}
