package dev.kiln.executor;

import dev.kiln.common.files.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * An {@link Executor} that drives an OCI runtime binary, runc by default ({@code crun} is selectable
 * but refuses hybrid cgroup hosts such as the lab machines).
 *
 * <p>For each run it resolves the user in the rootfs ({@link UserResolver}), creates a missing cwd
 * (root, 0755, like BuildKit), notes the mount points missing from the rootfs ({@link MountStubs}),
 * writes a bundle {@code stateDir/bundles/<id>} holding {@code config.json} ({@link RuntimeSpec}),
 * {@code hosts} and {@code resolv.conf}, and runs {@code runc --root stateDir/runtime run --bundle
 * … id} in the foreground without a terminal: the container's stdout and stderr are runc's pipes,
 * copied to the caller's streams by two virtual threads as data arrives; stdin is /dev/null.
 * Afterwards, always: {@code runc delete --force id}, the mount stubs removed, the bundle deleted.
 * A process with secret environment variables gets its bundle on a tmpfs of its own under
 * {@code stateDir/memory/<id>} ({@link MemoryBundle}), since {@code config.json} holds them (runc's
 * own state file does not); a tmpfs a killed engine left there is unmounted when the next executor
 * is created on the state dir.
 *
 * <p>Interrupting the calling thread kills the container ({@code runc kill id KILL}, retried until
 * the container exists or runc has exited), then cleans up as above and throws
 * {@link InterruptedException}. If runc fails before the process starts (an unknown executable,
 * a bad mount), its log holds an error and {@link ExecutorException} carries that message.
 *
 * <p>Containers go into cgroup {@code /kiln/<id>} when the runtime is runc and the host's cgroup
 * tree is writable; otherwise the runtime's default. There, every container gets the executor's
 * {@link ResourceLimits}. Thread-safe; ids must be unique among
 * concurrent runs and match {@code [A-Za-z0-9][A-Za-z0-9_.-]*}.
 */
public final class RuncExecutor implements Executor {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long KILL_TIMEOUT_MS = 10_000;
    /** Whether this process runs in a user namespace other than the initial one (rootless Kiln). */
    static final boolean USER_NAMESPACE = detectUserNamespace();

    private final Path stateDir;
    private final String runtimeBinary;
    private final Path runtimeRoot;
    private final Path bundles;
    private final Path memoryBundles;
    private final ResourceLimits limits;
    private final Map<String, Object> resources;

    /** An executor using {@code runc} from PATH with its state under {@code stateDir}. */
    public RuncExecutor(Path stateDir) {
        this(stateDir, "runc");
    }

    /** An executor using {@code runtimeBinary} ({@code "runc"}, {@code "crun"} or a path) with its state under {@code stateDir}. */
    public RuncExecutor(Path stateDir, String runtimeBinary) {
        this(stateDir, runtimeBinary, ResourceLimits.NONE, message -> { });
    }

    /**
     * An executor whose containers all get {@code limits}. Where cgroups cannot be used (rootless
     * without a delegated cgroup, or a read-only cgroup tree) the limits are skipped and
     * {@code notices} is told so once, here.
     */
    public RuncExecutor(Path stateDir, String runtimeBinary, ResourceLimits limits, Consumer<String> notices) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.resources = limitsFor(limits, notices);
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.runtimeBinary = Objects.requireNonNull(runtimeBinary, "runtimeBinary");
        this.runtimeRoot = this.stateDir.resolve("runtime");
        this.bundles = this.stateDir.resolve("bundles");
        this.memoryBundles = this.stateDir.resolve("memory");
        try {
            Files.createDirectories(runtimeRoot);
            Files.createDirectories(bundles);
            Files.createDirectories(memoryBundles);
            MemoryBundle.sweep(memoryBundles);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create executor state in " + this.stateDir, e);
        }
    }

    @Override
    public ExitStatus run(String id, Path rootfs, ProcessSpec process, OutputStream stdout, OutputStream stderr)
            throws IOException, InterruptedException {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid container id: " + id);
        }
        Path root = rootfs.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new ExecutorException("rootfs " + root + " is not a directory");
        }
        ContainerUser user = UserResolver.resolve(root, process.user());
        createCwd(root, process.cwd());
        MountStubs stubs = MountStubs.record(root, RuntimeSpec.mountDestinations(process));
        Path bundle = (process.secretEnv().isEmpty() ? bundles : memoryBundles).resolve(id);
        FileTrees.deleteRecursively(bundle);
        Files.createDirectories(bundle);
        MemoryBundle memory = process.secretEnv().isEmpty() ? null : MemoryBundle.mount(bundle);
        try {
            List<Path> files = NetworkFiles.write(bundle, process.hostname());
            RuntimeSpec.Host host = new RuntimeSpec.Host(files.get(0), files.get(1),
                    HostLimits.containerNofile(HostLimits.read()), Capabilities.all(), cgroupsPath(id), USER_NAMESPACE,
                    resources);
            JSON.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("config.json").toFile(),
                    RuntimeSpec.build(root, process, user, host));
            int code = runContainer(id, bundle, stdout, stderr);
            if (code != 0) {
                Optional<String> error = runtimeError(bundle.resolve("runtime.log"));
                if (error.isPresent()) {
                    throw new ExecutorException("container " + id + " failed to start: " + error.get());
                }
            }
            return ExitStatus.fromRuntimeExitCode(code);
        } finally {
            runtime(List.of("delete", "--force", id));
            stubs.clean();
            if (memory != null) {
                memory.close();
            }
            FileTrees.deleteRecursively(bundle);
        }
    }

    private int runContainer(String id, Path bundle, OutputStream stdout, OutputStream stderr)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(globalArgs(bundle));
        command.addAll(List.of("run", "--bundle", bundle.toString(), id));
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Thread out = Thread.ofVirtual().name("runc-stdout-" + id).start(() -> copy(p.getInputStream(), stdout));
        Thread err = Thread.ofVirtual().name("runc-stderr-" + id).start(() -> copy(p.getErrorStream(), stderr));
        try {
            int code = p.waitFor();
            out.join();
            err.join();
            return code;
        } catch (InterruptedException e) {
            kill(id, p);
            out.join(KILL_TIMEOUT_MS);
            err.join(KILL_TIMEOUT_MS);
            throw e;
        }
    }

    /** Kills the container of a running {@code runc run}; called with the interrupt flag cleared. */
    private void kill(String id, Process runc) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_TIMEOUT_MS);
        try {
            while (runc.isAlive() && System.nanoTime() < deadline) {
                if (runtime(List.of("kill", id, "KILL")) == 0) {
                    if (runc.waitFor(KILL_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
            if (runc.isAlive()) {
                runc.destroyForcibly().waitFor(KILL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException again) {
            runc.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a runtime subcommand with output discarded; returns its exit code (-1 if it could not run). */
    private int runtime(List<String> args) {
        List<String> command = new ArrayList<>(List.of(runtimeBinary, "--root", runtimeRoot.toString()));
        command.addAll(args);
        boolean interrupted = Thread.interrupted();
        try {
            Process p = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            interrupted = true;
            return -1;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private List<String> globalArgs(Path bundle) {
        return List.of(runtimeBinary, "--root", runtimeRoot.toString(),
                "--log", bundle.resolve("runtime.log").toString(), "--log-format", "json");
    }

    /** The first error-level message in a runc JSON log, if any. */
    static Optional<String> runtimeError(Path log) {
        if (!Files.exists(log)) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode entry = JSON.readTree(line);
                String level = entry.path("level").asText("");
                if (level.equals("error") || level.equals("fatal")) {
                    return Optional.of(entry.path("msg").asText(line));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private Optional<String> cgroupsPath(String id) {
        boolean runc = Path.of(runtimeBinary).getFileName().toString().equals("runc");
        return runc && cgroupsWritable() ? Optional.of("/kiln/" + id) : Optional.empty();
    }

    private static boolean cgroupsWritable() {
        Path cgroupRoot = Path.of("/sys/fs/cgroup");
        return Files.isWritable(cgroupRoot.resolve("pids")) || Files.isWritable(cgroupRoot.resolve("cgroup.procs"));
    }

    /** The {@code linux.resources} entries for {@code limits} on this host, or none (with one notice) where cgroups are not usable. */
    private static Map<String, Object> limitsFor(ResourceLimits limits, Consumer<String> notices) {
        if (limits.isEmpty()) {
            return Map.of();
        }
        if (USER_NAMESPACE || !cgroupsWritable()) {
            notices.accept("kiln: RUN resource limits (" + limits + ") are not applied: "
                    + (USER_NAMESPACE ? "rootless Kiln has no delegated cgroup to put containers in"
                    : "the cgroup tree /sys/fs/cgroup is not writable"));
            return Map.of();
        }
        // cgroup v1 with swap accounting; on a unified (v2) host the memory limit alone is set
        boolean swapAccounted = Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));
        return limits.specEntries(swapAccounted);
    }

    /** The limits this executor was asked to apply (whether or not the host allows them). */
    public ResourceLimits limits() {
        return limits;
    }

    private static void createCwd(Path rootfs, String cwd) throws IOException {
        Path dir = RootfsPath.resolve(rootfs, cwd);
        if (Files.isDirectory(dir)) {
            return;
        }
        List<Path> created = new ArrayList<>();
        for (Path p = dir; p.startsWith(rootfs) && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            created.addFirst(p);
        }
        for (Path p : created) {
            Files.createDirectory(p);
            Files.setAttribute(p, "unix:mode", 0755);
        }
        if (!Files.isDirectory(dir)) {
            throw new ExecutorException("working directory " + cwd + " is not a directory in the rootfs");
        }
    }

    /**
     * Copies a pipe to the caller's stream until EOF. If the caller's stream fails, the rest is read
     * and dropped so that the container never blocks on a full pipe.
     */
    private static void copy(InputStream in, OutputStream out) {
        byte[] buf = new byte[8192];
        boolean sinkOpen = true;
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!sinkOpen) {
                    continue;
                }
                try {
                    synchronized (out) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    sinkOpen = false;
                }
            }
        } catch (IOException e) {
            // the pipe broke: the runtime is gone, nothing more to copy
        }
    }

    private static boolean detectUserNamespace() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/uid_map")).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
            return !(lines.size() == 1 && lines.getFirst().split("\\s+").length == 3
                    && lines.getFirst().matches("0\\s+0\\s+4294967295"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The directory under which this executor keeps bundles and runtime state. */
    public Path stateDir() {
        return stateDir;
    }
}
