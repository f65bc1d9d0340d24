package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.executor.MountSpec;
import dev.kiln.llb.ExecMount;
import dev.kiln.snapshot.Mount;
import dev.kiln.snapshot.Mounter;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.Result;
import dev.kiln.worker.fs.RootedPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything a RUN step mounts besides its root, opened before the container starts and closed
 * after it ends, in reverse order:
 * <ul>
 *   <li>{@code bind}: a read-only view of an input (a stage, an image or the context) at
 *   {@code selector}; with {@code rw}, an overlay over that view whose upper dir is a private
 *   tmpfs, so the step may write and every write is discarded (the input is never touched). The
 *   client's context is always mounted through such an overlay, with a whiteout for every path its
 *   .dockerignore excludes ({@link ContextWhiteouts}), so a step sees what COPY would see. With the
 *   copying snapshotter, or rootless when a writable source holds files of unmapped owners, the
 *   source is copied into that tmpfs instead ({@link ScratchCopy});</li>
 *   <li>{@code cache}: a {@link CacheMounts} directory, held for the step;</li>
 *   <li>{@code tmpfs}: a tmpfs the runtime mounts ({@code size});</li>
 *   <li>{@code secret}: the client's secret written to the step's {@link SecretTmpfs} with the
 *   asked mode and owner and bound read-only at the target, and with {@code env=} also added to
 *   the process environment at run time only; a missing secret fails the step unless optional;</li>
 *   <li>{@code ssh}: an {@link SshAgentForwarder} socket in the same tmpfs, bound at the target;
 *   {@code SSH_AUTH_SOCK} points at the default target when the step sets none.</li>
 * </ul>
 * Secret values are never part of the op (only ids are), so they never reach a cache key.
 */
final class RunMounts implements AutoCloseable {
    /** BuildKit's default target of an ssh mount, which sets SSH_AUTH_SOCK. */
    static final String DEFAULT_SSH_TARGET_PREFIX = "/run/buildkit/ssh_agent.";

    private final Trees trees;
    private final Mounter mounter;
    private final Path mountRoot;
    private final CacheMounts cacheMounts;
    private final List<AutoCloseable> held = new ArrayList<>();
    private final List<MountSpec> specs = new ArrayList<>();
    private final List<String> secretEnv = new ArrayList<>();
    private final List<String> env = new ArrayList<>();
    private SecretTmpfs tmpfs;

    RunMounts(Trees trees, Mounter mounter, Path mountRoot, CacheMounts cacheMounts) {
        this.trees = trees;
        this.mounter = mounter;
        this.mountRoot = mountRoot;
        this.cacheMounts = cacheMounts;
    }

    /** The runtime mounts, in the op's order. */
    List<MountSpec> specs() {
        return List.copyOf(specs);
    }

    /** {@code KEY=value} entries from {@code secret,env=} mounts. */
    List<String> secretEnv() {
        return List.copyOf(secretEnv);
    }

    /** Environment entries the mounts imply ({@code SSH_AUTH_SOCK}), to add when the step sets none. */
    List<String> env() {
        return List.copyOf(env);
    }

    /** Opens one mount; {@code m} is not the root mount. */
    void open(ExecMount m, List<Result> inputs, JobContext job) throws IOException, InterruptedException {
        switch (m.type()) {
            case BIND -> bind(m, m.input() < 0 ? Result.EMPTY : inputs.get(m.input()));
            case CACHE -> {
                CacheMounts.Lease lease = cacheMounts.acquire(m.cache(), job);
                held.add(lease);
                if (lease.created() && m.input() >= 0) {
                    seed(lease.dir(), inputs.get(m.input()), m.selector());
                }
                specs.add(new MountSpec(m.dest(), "bind", lease.dir().toString(),
                        List.of("rbind", m.readonly() ? "ro" : "rw")));
            }
            case TMPFS -> {
                List<String> opts = new ArrayList<>(List.of("nosuid", "nodev"));
                if (m.tmpfs() != null && m.tmpfs().size() > 0) {
                    opts.add("size=" + m.tmpfs().size());
                }
                specs.add(new MountSpec(m.dest(), "tmpfs", "tmpfs", opts));
            }
            case SECRET -> secret(m, job);
            case SSH -> ssh(m, job);
        }
    }

    /** Fills a new cache directory from {@code from=}/{@code source=} (BuildKit seeds it the same way). */
    private void seed(Path cacheDir, Result from, String source) throws IOException {
        try (MountedTree t = trees.view(from)) {
            Path src = source.isEmpty() ? t.root() : RootedPaths.resolve(t.root(), source);
            if (!Files.isDirectory(src)) {
                throw new KilnException("RUN --mount=type=cache: source \"" + source + "\" is not a directory in from=");
            }
            dev.kiln.snapshot.TreeCopy.copyContents(src, cacheDir);
        }
    }

    private void bind(ExecMount m, Result in) throws IOException {
        MountedTree t = trees.view(in);
        held.add(t);
        Path src = m.selector().isEmpty() ? t.root() : RootedPaths.resolve(t.root(), m.selector());
        if (!m.selector().isEmpty() && !Files.exists(src)) {
            throw new KilnException("RUN --mount=type=bind: source \"" + m.selector() + "\" not found in the mounted input");
        }
        boolean client = Refs.isLocal(in);
        if (!Files.isDirectory(src) || (m.readonly() && !client)) {
            if (client && t.excluded(relative(m.selector()))) {
                throw new KilnException("RUN --mount=type=bind: source \"" + m.selector() + "\" is excluded by .dockerignore");
            }
            specs.add(new MountSpec(m.dest(), "bind", src.toString(), List.of("rbind", m.readonly() ? "ro" : "rw")));
            return;
        }
        Path scratch = Files.createDirectories(mountRoot.resolve("rw-" + UUID.randomUUID()));
        mounter.mount(List.of(new Mount("tmpfs", "kiln-rw", List.of("nosuid", "nodev", "mode=0700"))), scratch);
        held.add(() -> {
            mounter.unmount(scratch);
            Files.deleteIfExists(scratch);
        });
        if (copyInsteadOfOverlay(t, src, client, m)) {
            Path copy = ScratchCopy.copy(t, src, client ? relative(m.selector()) : "",
                    Files.createDirectories(scratch.resolve("copy")));
            specs.add(new MountSpec(m.dest(), "bind", copy.toString(), List.of("rbind", m.readonly() ? "ro" : "rw")));
            return;
        }
        Path upper = Files.createDirectories(scratch.resolve("upper"));
        Path work = Files.createDirectories(scratch.resolve("work"));
        Path merged = Files.createDirectories(scratch.resolve("merged"));
        if (client) {
            ContextWhiteouts.write(t, src, relative(m.selector()), upper);
        } else {
            ContextWhiteouts.mirror(src, upper);
        }
        List<String> options = new ArrayList<>(dev.kiln.snapshot.OverlaySnapshotter.diffOptions());
        options.addAll(List.of("lowerdir=" + src, "upperdir=" + upper, "workdir=" + work));
        mounter.mount(List.of(new Mount("overlay", "overlay", options)), merged);
        held.add(() -> mounter.unmount(merged));
        specs.add(new MountSpec(m.dest(), "bind", merged.toString(), List.of("rbind", m.readonly() ? "ro" : "rw")));
    }

    /**
     * Whether a bind gets a {@link ScratchCopy} of its source instead of an overlay: always with the
     * copying snapshotter (chosen because overlayfs may not work here), and for a writable bind in a
     * user namespace when the source holds files owned by unmapped ids (overlayfs cannot copy them up).
     */
    private boolean copyInsteadOfOverlay(MountedTree t, Path src, boolean client, ExecMount m) throws IOException {
        if (trees.snapshotter().layout() == dev.kiln.snapshot.Snapshotter.Layout.WHOLE_TREE) {
            return true;
        }
        return !m.readonly() && dev.kiln.snapshot.UserNamespace.current()
                && ScratchCopy.holdsUnmappedOwners(t, src, client ? relative(m.selector()) : "");
    }

    /** A selector as a path relative to the input's root, without leading or trailing slashes. */
    private static String relative(String selector) {
        String s = selector.replaceAll("^/+", "").replaceAll("/+$", "");
        return s.equals(".") ? "" : s;
    }

    private void secret(ExecMount m, JobContext job) throws IOException {
        ExecMount.SecretOpt o = m.secret();
        Optional<byte[]> value = job.session().secret(o.id());
        if (value.isEmpty()) {
            if (o.optional()) {
                return;
            }
            throw new KilnException("secret \"" + o.id() + "\" not provided: pass it with --secret id=" + o.id()
                    + ",src=FILE or --secret id=" + o.id() + ",env=VARIABLE (or mark the mount required=false)");
        }
        byte[] content = value.get();
        if (o.env() != null && !o.env().isEmpty()) {
            secretEnv.add(o.env() + "=" + new String(content, StandardCharsets.UTF_8));
        }
        if (m.dest().isEmpty()) {
            java.util.Arrays.fill(content, (byte) 0);
            return;
        }
        Path file = tmpfs().file(content, o.mode() == 0 ? 0400 : o.mode(), o.uid(), o.gid());
        java.util.Arrays.fill(content, (byte) 0);
        specs.add(new MountSpec(m.dest(), "bind", file.toString(), List.of("rbind", "ro", "nosuid", "nodev", "noexec")));
    }

    private void ssh(ExecMount m, JobContext job) throws IOException {
        ExecMount.SshOpt o = m.ssh();
        String id = o.id() == null || o.id().isEmpty() ? "default" : o.id();
        Optional<Path> agent = job.session().sshAgentSocket(id);
        if (agent.isEmpty()) {
            if (o.optional()) {
                return;
            }
            throw new KilnException("no SSH agent \"" + id + "\" for RUN --mount=type=ssh: pass --ssh " + id
                    + (id.equals("default") ? " (with SSH_AUTH_SOCK set) or --ssh default=KEYFILE"
                    : "=KEYFILE[,KEYFILE] or --ssh " + id + "=AGENT_SOCKET"));
        }
        SshAgentForwarder f = SshAgentForwarder.start(tmpfs().socketPath(), agent.get(),
                o.mode() == 0 ? 0600 : o.mode(), o.uid(), o.gid());
        held.add(f);
        specs.add(new MountSpec(m.dest(), "bind", f.socket().toString(), List.of("rbind", "nosuid", "nodev", "noexec")));
        if (m.dest().startsWith(DEFAULT_SSH_TARGET_PREFIX) && env.isEmpty()) {
            env.add("SSH_AUTH_SOCK=" + m.dest());
        }
    }

    private SecretTmpfs tmpfs() throws IOException {
        if (tmpfs == null) {
            tmpfs = SecretTmpfs.open(mounter, mountRoot);
            held.add(tmpfs);
        }
        return tmpfs;
    }

    /** Releases everything opened, last first; failures are ignored (the start-up sweep catches leftovers). */
    @Override
    public void close() {
        for (int i = held.size() - 1; i >= 0; i--) {
            try {
                held.get(i).close();
            } catch (Exception e) {
                // best effort
            }
        }
        held.clear();
    }
}
