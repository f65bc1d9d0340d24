package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testkit.BusyboxRootfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link RuncExecutor} with real runc over a busybox rootfs; needs root. */
@Timeout(120)
class RuncExecutorIT {

    @TempDir
    Path tmp;

    Path rootfs;
    RuncExecutor executor;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() {
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        executor = new RuncExecutor(tmp.resolve("state"));
    }

    private ExitStatus run(String id, ProcessSpec spec) throws Exception {
        return executor.run(id, rootfs, spec, out, err);
    }

    private static ProcessSpec sh(String script) {
        return ProcessSpec.of(List.of("/bin/sh", "-c", script), List.of());
    }

    private static ProcessSpec sh(String script, String user, NetworkMode network, boolean insecure, List<MountSpec> mounts) {
        return new ProcessSpec(List.of("/bin/sh", "-c", script), List.of(), "/", user, "builder", network, insecure, mounts);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void capturesStdoutAndStderrAndLeavesNoStubs() throws Exception {
        ExitStatus status = run("echo", sh("echo to-out; echo to-err >&2"));
        assertThat(status).isEqualTo(new ExitStatus(0, false));
        assertThat(stdout()).isEqualTo("to-out\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("to-err\n");
        for (String stub : List.of("etc/hosts", "etc/resolv.conf", "proc", "dev", "sys")) {
            assertThat(rootfs.resolve(stub)).as(stub).doesNotExist();
        }
        assertThat(rootfs.resolve("etc/passwd")).exists();
        assertThat(tmp.resolve("state/bundles/echo")).doesNotExist();
        assertThat(runcList()).doesNotContain("echo");
    }

    @Test
    void reportsTheExitCode() throws Exception {
        assertThat(run("exit3", sh("exit 3"))).isEqualTo(new ExitStatus(3, false));
    }

    @Test
    void reportsASignalDeath() throws Exception {
        CompletableFuture<ExitStatus> status = CompletableFuture.supplyAsync(() -> {
            try {
                return run("victim", sh("exec sleep 987655"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitContainer("victim");
        assertThat(runcList()).contains("victim");
        Process kill = new ProcessBuilder("runc", "--root", tmp.resolve("state/runtime").toString(), "kill", "victim", "KILL")
                .inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        assertThat(status.get(30, TimeUnit.SECONDS)).isEqualTo(new ExitStatus(137, true));
    }

    private void awaitContainer(String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!runcList().contains(id) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Thread.sleep(300);
    }

    @Test
    void appliesEnvCwdHostnameAndDefaults() throws Exception {
        ProcessSpec spec = new ProcessSpec(List.of("/bin/sh", "-c", "pwd; echo $FOO; echo $PATH; echo $HOME; hostname; cat /etc/hosts"),
                List.of("FOO=bar baz"), "/work/dir", "root", "myhost", NetworkMode.DEFAULT, false, List.of());
        assertThat(run("env", spec).code()).isZero();
        List<String> lines = stdout().lines().toList();
        assertThat(lines.subList(0, 5)).containsExactly("/work/dir", "bar baz", RuntimeSpec.DEFAULT_PATH, "/root", "myhost");
        assertThat(stdout()).contains("127.0.0.1\tlocalhost myhost");
        assertThat(rootfs.resolve("work/dir")).isDirectory();
        assertThat(Files.getAttribute(rootfs.resolve("work/dir"), "unix:mode")).isEqualTo(040755);
        assertThat(Files.getAttribute(rootfs.resolve("work/dir"), "unix:uid")).isEqualTo(0);
    }

    @Test
    void resolvesUsersByNameAndById() throws Exception {
        run("user-name", sh("id; echo $HOME", "app", NetworkMode.DEFAULT, false, List.of()));
        // busybox id lists getgroups(); like runc and Docker, the primary group is not added to it
        assertThat(stdout()).isEqualTo("uid=1000(app) gid=1000(app) groups=50(staff)\n/home/app\n");
        out.reset();
        run("user-ids", sh("id", "1000:50", NetworkMode.DEFAULT, false, List.of()));
        // as in BuildKit and runc: an explicit group means no supplementary groups
        assertThat(stdout()).isEqualTo("uid=1000(app) gid=50(staff)\n");
        out.reset();
        run("user-nobody", sh("id -u; id -g", "65534", NetworkMode.DEFAULT, false, List.of()));
        assertThat(stdout()).isEqualTo("65534\n65534\n");
        assertThatThrownBy(() -> run("user-ghost", sh("id", "ghost", NetworkMode.DEFAULT, false, List.of())))
                .isInstanceOf(ExecutorException.class)
                .hasMessage("unable to find user ghost: no matching entries in passwd file");
    }

    @Test
    void networkNoneHasOnlyLoopbackAndItIsUp() throws Exception {
        run("net-none", sh("ls /sys/class/net; cat /sys/class/net/lo/operstate; ip link show lo", "root", NetworkMode.NONE, false, List.of()));
        List<String> lines = stdout().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("lo");
        assertThat(stdout()).contains("<LOOPBACK,UP,LOWER_UP>");
        out.reset();
        run("net-host", sh("ls /sys/class/net", "root", NetworkMode.DEFAULT, false, List.of()));
        try (Stream<Path> host = Files.list(Path.of("/sys/class/net"))) {
            assertThat(stdout().lines().toList())
                    .containsExactlyInAnyOrderElementsOf(host.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void bindMountOntoAMissingPathLeavesNoStub() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("hello"), "from host");
        Path secret = Files.writeString(tmp.resolve("secret"), "s3cr3t");
        List<MountSpec> mounts = List.of(MountSpec.bind(data.toString(), "/mnt/deep/data", true),
                MountSpec.bind(secret.toString(), "/run/secrets/token", true));
        ExitStatus status = run("bind", sh("cat /mnt/deep/data/hello; echo; cat /run/secrets/token; mkdir -p /run/kept && touch /run/kept/f",
                "root", NetworkMode.DEFAULT, false, mounts));
        assertThat(status.code()).isZero();
        assertThat(stdout()).isEqualTo("from host\ns3cr3t");
        assertThat(rootfs.resolve("mnt")).doesNotExist();
        assertThat(rootfs.resolve("run/secrets")).doesNotExist();
        assertThat(rootfs.resolve("run/kept/f")).exists();
        assertThat(data.resolve("hello")).hasContent("from host");
    }

    @Test
    void capabilitiesAreDockersDefaultOrAllWhenInsecure() throws Exception {
        run("caps", sh("grep CapEff /proc/self/status; grep CapBnd /proc/self/status; ulimit -n"));
        long hardNofile = HostLimits.containerNofile(HostLimits.read());
        assertThat(stdout()).isEqualTo("CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n" + hardNofile + "\n");
        out.reset();
        run("caps-insecure", sh("grep CapEff /proc/self/status",
                "root", NetworkMode.DEFAULT, true, List.of()));
        // every capability the caller holds (its bounding set); readAllLines because readString returns one byte of procfs files
        int last = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).getFirst().strip());
        long held = Capabilities.boundingSet(Files.readAllLines(Path.of("/proc/self/status"))) & ((1L << (last + 1)) - 1);
        assertThat(Long.bitCount(held)).isGreaterThan(30);
        assertThat(stdout()).isEqualTo("CapEff:\t" + String.format("%016x", held) + "\n");
    }

    @Test
    void maskedAndReadOnlyPaths() throws Exception {
        run("masked", sh("wc -c < /proc/timer_list; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo ro"));
        assertThat(stdout()).as(err.toString(StandardCharsets.UTF_8)).isEqualTo("0\n0\nro\n");
        out.reset();
        run("unmasked", sh("wc -c < /proc/timer_list; ls /sys/firmware | wc -l", "root", NetworkMode.DEFAULT, true, List.of()));
        assertThat(stdout().lines().map(Integer::parseInt).toList()).as(err.toString(StandardCharsets.UTF_8))
                .allMatch(n -> n > 0);
    }

    @Test
    void concurrentRunsOnTheirOwnRootfsDoNotMixOutput() throws Exception {
        List<CompletableFuture<String>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = "par-" + i;
            Path own = BusyboxRootfs.create(tmp.resolve("rootfs-" + i));
            runs.add(CompletableFuture.supplyAsync(() -> {
                var o = new ByteArrayOutputStream();
                try {
                    ExitStatus st = executor.run(id, own, sh("sleep 0.2; hostname; echo " + id), o, o);
                    return st.code() + ":" + o.toString(StandardCharsets.UTF_8);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (int i = 0; i < 4; i++) {
            assertThat(runs.get(i).get(60, TimeUnit.SECONDS)).isEqualTo("0:kiln\npar-" + i + "\n");
        }
        assertThat(runcList()).isBlank();
    }

    @Test
    void runtimeFailureBeforeStartIsAnException() {
        assertThatThrownBy(() -> run("noexec", ProcessSpec.of(List.of("/no/such/binary"), List.of())))
                .isInstanceOf(ExecutorException.class)
                .hasMessageContaining("/no/such/binary");
        assertThat(tmp.resolve("state/bundles/noexec")).doesNotExist();
    }

    @Test
    void interruptedRunIsKilledAndCleanedUp() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread runner = Thread.ofPlatform().start(() -> {
            try {
                executor.run("sleeper", rootfs, sh("echo started; exec sleep 987654"), out, err);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitContainer("sleeper");
        assertThat(sleepers()).isNotEmpty();
        assertThat(stdout()).isEqualTo("started\n");
        runner.interrupt();
        runner.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(runner.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(sleepers()).isEmpty();
        assertThat(runcList()).doesNotContain("sleeper");
        assertThat(tmp.resolve("state/runtime/sleeper")).doesNotExist();
        assertThat(tmp.resolve("state/bundles/sleeper")).doesNotExist();
        assertThat(rootfs.resolve("proc")).doesNotExist();
    }

    private String runcList() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("runc", "--root", tmp.resolve("state/runtime").toString(), "list", "-q").start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }

    private static List<Path> sleepers() throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return Files.readString(p.resolve("cmdline"), StandardCharsets.ISO_8859_1).contains("987654");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS))
                    .toList();
        }
    }
}
