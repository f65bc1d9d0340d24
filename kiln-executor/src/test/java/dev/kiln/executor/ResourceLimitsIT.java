package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testkit.BusyboxRootfs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ResourceLimits} applied by {@link RuncExecutor} through real runc and the host's cgroups; needs root. */
@Timeout(120)
class ResourceLimitsIT {
    /**
     * A shell starts 40 background sleeps, noting in /tmp/n how many it started; a failed fork
     * aborts it. Then every sleep is killed and the script prints the count and the fork errors.
     */
    private static final String FORK_40 = "sh -c 'i=0; while [ $i -lt 40 ]; do sleep 20 & i=$((i+1)); echo $i >/tmp/n; done' "
            + "2>/tmp/forks; echo exit=$?; kill -9 -1; wait; echo started=$(cat /tmp/n); cat /tmp/forks";

    @TempDir
    Path tmp;
    Path rootfs;
    final List<String> notices = new ArrayList<>();

    @BeforeEach
    void setUp() {
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
    }

    private String run(ResourceLimits limits, String id, String script, int expectedExit) throws Exception {
        RuncExecutor executor = new RuncExecutor(tmp.resolve("state-" + id), "runc", limits, notices::add);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitStatus status = executor.run(id, rootfs, ProcessSpec.of(List.of("/bin/sh", "-c", script), List.of()), out, err);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status.code()).as("exit of %s: %s %s", script, text, err.toString(StandardCharsets.UTF_8))
                .isEqualTo(expectedExit);
        return text;
    }

    @Test
    void aPidsLimitStopsForksBeyondIt() throws Exception {
        assertThat(run(ResourceLimits.NONE, "nolimit", FORK_40, 0)).as("without a limit all 40 start")
                .contains("exit=0", "started=40");
        String limited = run(new ResourceLimits(0, 20, 0), "pids20", FORK_40 + "; cat /sys/fs/cgroup/pids/pids.max", 0);
        assertThat(limited).as(limited).doesNotContain("exit=0").contains("can't fork").endsWith("20\n");
        int started = Integer.parseInt(limited.replaceAll("(?s).*started=(\\d+).*", "$1"));
        assertThat(started).as("the two shells and at most 18 sleeps fit in 20 pids").isLessThanOrEqualTo(18);
        assertThat(notices).isEmpty();
    }

    @Test
    void aMemoryLimitIsSetAndAllocationBeyondItIsKilled() throws Exception {
        ResourceLimits limits = new ResourceLimits(32L << 20, 0, 512);
        String files = run(limits, "mem", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares", 0);
        assertThat(files.lines().toList()).containsExactly(Long.toString(32L << 20), "512");
        // busybox dd fills a buffer of bs bytes: 64 MiB cannot fit in 32 MiB without swap
        run(limits, "mem-ok", "dd if=/dev/zero of=/dev/null bs=8M count=2", 0);
        run(limits, "mem-oom", "dd if=/dev/zero of=/dev/null bs=64M count=1", 137);
        run(ResourceLimits.NONE, "mem-free", "dd if=/dev/zero of=/dev/null bs=64M count=1", 0);
    }
}
