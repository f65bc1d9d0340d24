package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SandboxSpecTest {

    private static final RuntimeSpec.Host HOST = new RuntimeSpec.Host(Path.of("/b/hosts"), Path.of("/b/resolv.conf"),
            1024, List.of("CAP_CHOWN", "CAP_SYS_ADMIN"), Optional.empty());

    @SuppressWarnings("unchecked")
    private static Map<String, Object> linux(Map<String, Object> spec) {
        return (Map<String, Object>) spec.get("linux");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> process(Map<String, Object> spec) {
        return (Map<String, Object>) spec.get("process");
    }

    private static Map<String, Object> spec(boolean insecure, List<String> secretEnv) {
        ProcessSpec p = new ProcessSpec(List.of("true"), List.of("A=1"), "/", "0", null, NetworkMode.DEFAULT, insecure,
                List.of(), secretEnv);
        return RuntimeSpec.build(Path.of("/rootfs"), p, new ContainerUser(0, 0, List.of(), "/root"), HOST);
    }

    @Test
    @SuppressWarnings("unchecked")
    void sandboxedStepsGetTheSeccompFilterAndNoNewPrivs() {
        Map<String, Object> s = spec(false, List.of());
        assertThat(process(s)).containsEntry("noNewPrivileges", true);
        Map<String, Object> seccomp = (Map<String, Object>) linux(s).get("seccomp");
        assertThat(seccomp).containsEntry("defaultAction", "SCMP_ACT_ERRNO").containsEntry("defaultErrnoRet", 1);
        List<Map<String, Object>> rules = (List<Map<String, Object>>) seccomp.get("syscalls");
        List<String> allowed = (List<String>) rules.getFirst().get("names");
        assertThat(allowed).contains("read", "execve", "openat", "chown", "clock_gettime")
                .doesNotContain("mount", "umount2", "init_module", "finit_module", "delete_module", "unshare", "setns",
                        "kexec_load", "reboot", "bpf", "pivot_root", "keyctl", "clone", "clone3", "userfaultfd", "open_by_handle_at")
                .contains("ptrace", "modify_ldt");
        assertThat(allowed).doesNotHaveDuplicates();
        assertThat(rules).anySatisfy(r -> assertThat(r).containsEntry("names", List.of("clone"))
                .extracting(x -> x.get("args")).asString().contains("SCMP_CMP_MASKED_EQ").contains("2114060288"));
        assertThat(rules).anySatisfy(r -> assertThat(r).containsEntry("names", List.of("clone3"))
                .containsEntry("errnoRet", 38));
    }

    @Test
    void insecureStepsGetNeitherAndSecretEnvComesLast() {
        Map<String, Object> s = spec(true, List.of("TOKEN=x"));
        assertThat(process(s)).containsEntry("noNewPrivileges", false);
        assertThat(linux(s)).doesNotContainKey("seccomp");
        assertThat(process(s).get("env")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .containsExactly("A=1", "PATH=" + RuntimeSpec.DEFAULT_PATH, "HOME=/root", "TOKEN=x");
    }

    @Test
    void secretEnvValuesNeverShowInToString() {
        ProcessSpec p = ProcessSpec.of(List.of("true"), List.of()).withSecretEnv(List.of("TOKEN=hunter2"));
        assertThat(p.toString()).contains("TOKEN=***").doesNotContain("hunter2");
    }

    @Test
    void architecturesFollowTheHost() {
        assertThat(SeccompProfile.architectures("amd64")).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(SeccompProfile.architectures("aarch64")).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
    }

    @Test
    void allCapabilitiesAreLimitedToTheCallersBoundingSet() {
        long noSysResource = 0x1fffeffffffL;
        assertThat(Capabilities.boundingSet(List.of("CapInh:\t0", "CapBnd:\t000001fffeffffff"))).isEqualTo(noSysResource);
        List<String> held = Capabilities.held(40, noSysResource);
        assertThat(held).hasSize(40).contains("CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE").doesNotContain("CAP_SYS_RESOURCE");
        assertThat(Capabilities.all()).contains("CAP_CHOWN", "CAP_KILL").hasSizeGreaterThan(30);
    }
}
