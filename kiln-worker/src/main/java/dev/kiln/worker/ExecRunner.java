package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.executor.ExitStatus;
import dev.kiln.executor.Executor;
import dev.kiln.executor.MountSpec;
import dev.kiln.executor.NetworkMode;
import dev.kiln.executor.ProcessSpec;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.Vertex;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

/**
 * Runs {@link ExecOp}s (RUN): prepares a writable snapshot on the root input, opens the other
 * mounts (read-only views of inputs, cache directories, tmpfs), runs the process through the
 * {@link Executor}, and commits the root snapshot when the process exits 0. A non-zero exit
 * fails the step with the exit code and the last lines of output; the snapshot is discarded.
 */
final class ExecRunner {
    private final Trees trees;
    private final Executor executor;
    private final CacheMounts cacheMounts;

    ExecRunner(Trees trees, Executor executor, CacheMounts cacheMounts) {
        this.trees = trees;
        this.executor = executor;
        this.cacheMounts = cacheMounts;
    }

    Result run(Vertex v, ExecOp op, List<Result> inputs, JobContext job) throws IOException, InterruptedException {
        ExecMount rootMount = op.rootMount();
        Result base = rootMount.input() < 0 ? Result.EMPTY : inputs.get(rootMount.input());
        List<MountedTree> opened = new ArrayList<>();
        List<AutoCloseable> held = new ArrayList<>();
        try (Trees.ActiveTree root = trees.prepare(base)) {
            List<MountSpec> mounts = new ArrayList<>();
            for (ExecMount m : op.mounts()) {
                if (m.dest().equals("/")) {
                    continue;
                }
                switch (m.type()) {
                    case BIND -> {
                        Result in = m.input() < 0 ? Result.EMPTY : inputs.get(m.input());
                        MountedTree t = trees.view(in);
                        opened.add(t);
                        Path src = m.selector().isEmpty() ? t.root()
                                : dev.kiln.worker.fs.RootedPaths.resolve(t.root(), m.selector());
                        mounts.add(new MountSpec(m.dest(), "bind", src.toString(),
                                List.of("rbind", m.readonly() ? "ro" : "rw")));
                    }
                    case CACHE -> {
                        CacheMounts.Lease lease = cacheMounts.acquire(m.cache(), job);
                        held.add(lease);
                        mounts.add(new MountSpec(m.dest(), "bind", lease.dir().toString(),
                                List.of("rbind", m.readonly() ? "ro" : "rw")));
                    }
                    case TMPFS -> {
                        List<String> opts = new ArrayList<>(List.of("nosuid", "nodev"));
                        if (m.tmpfs() != null && m.tmpfs().size() > 0) {
                            opts.add("size=" + m.tmpfs().size());
                        }
                        mounts.add(new MountSpec(m.dest(), "tmpfs", "tmpfs", opts));
                    }
                    case SECRET, SSH -> throw new KilnException("RUN --mount=type=" + m.type().name().toLowerCase()
                            + " is not supported yet");
                }
            }
            var meta = op.meta();
            NetworkMode network = switch (op.network()) {
                case NONE -> NetworkMode.NONE;
                case HOST -> NetworkMode.HOST;
                case DEFAULT -> NetworkMode.DEFAULT;
            };
            ProcessSpec spec = new ProcessSpec(meta.args(), meta.env(), meta.cwd(), meta.user(),
                    meta.hostname().isEmpty() ? "buildkitsandbox" : meta.hostname(), network,
                    op.security() == ExecOp.SecurityMode.INSECURE, mounts);
            Deque<String> tail = OutputTail.newLines();
            String vid = v.digest().toString();
            ExitStatus status;
            try (OutputTail out = new OutputTail(vid, 1, job.progress(), tail);
                 OutputTail err = new OutputTail(vid, 2, job.progress(), tail)) {
                status = executor.run("kiln-" + UUID.randomUUID().toString().substring(0, 12), root.root(), spec, out, err);
            }
            if (status.code() != 0) {
                StringBuilder msg = new StringBuilder("process \"").append(String.join(" ", meta.args()))
                        .append("\" did not complete successfully: exit code: ").append(status.code());
                List<String> last = OutputTail.snapshot(tail);
                if (!last.isEmpty()) {
                    msg.append("\nlast output:");
                    for (String l : last) {
                        msg.append("\n  ").append(l);
                    }
                }
                throw new KilnException(msg.toString(), null, 1);
            }
            for (MountedTree t : opened) {
                t.close();
            }
            opened.clear();
            return root.commit();
        } finally {
            for (MountedTree t : opened) {
                t.close();
            }
            for (AutoCloseable c : held) {
                try {
                    c.close();
                } catch (Exception e) {
                    // a lease that cannot be released is reclaimed when the process exits
                }
            }
        }
    }

    static void ensureDir(Path p) throws IOException {
        Files.createDirectories(p);
    }
}
