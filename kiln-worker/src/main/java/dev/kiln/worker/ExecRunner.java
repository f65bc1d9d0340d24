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
import dev.kiln.snapshot.Mounter;
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
 * mounts ({@link RunMounts}: views of inputs, cache directories, tmpfs, secrets, ssh agents),
 * runs the process through the {@link Executor}, closes the mounts and commits the root snapshot
 * when the process exits 0. A non-zero exit
 * fails the step with the exit code and the last lines of output; the snapshot is discarded.
 */
final class ExecRunner {
    private final Trees trees;
    private final Executor executor;
    private final CacheMounts cacheMounts;
    private final Mounter mounter = new Mounter();

    ExecRunner(Trees trees, Executor executor, CacheMounts cacheMounts) {
        this.trees = trees;
        this.executor = executor;
        this.cacheMounts = cacheMounts;
    }

    Result run(Vertex v, ExecOp op, List<Result> inputs, JobContext job) throws IOException, InterruptedException {
        ExecMount rootMount = op.rootMount();
        Result base = rootMount.input() < 0 ? Result.EMPTY : inputs.get(rootMount.input());
        try (Trees.ActiveTree root = trees.prepare(base);
             RunMounts extra = new RunMounts(trees, mounter, cacheMounts.mountRoot(), cacheMounts)) {
            for (ExecMount m : op.mounts()) {
                if (!m.dest().equals("/")) {
                    extra.open(m, inputs, job);
                }
            }
            List<MountSpec> mounts = extra.specs();
            var meta = op.meta();
            NetworkMode network = switch (op.network()) {
                case NONE -> NetworkMode.NONE;
                case HOST -> NetworkMode.HOST;
                case DEFAULT -> NetworkMode.DEFAULT;
            };
            List<String> env = new ArrayList<>(meta.env());
            for (String e : extra.env()) {
                String key = e.substring(0, e.indexOf('=') + 1);
                if (env.stream().noneMatch(x -> x.startsWith(key))) {
                    env.add(e);
                }
            }
            ProcessSpec spec = new ProcessSpec(meta.args(), env, meta.cwd(), meta.user(),
                    meta.hostname().isEmpty() ? "buildkitsandbox" : meta.hostname(), network,
                    op.security() == ExecOp.SecurityMode.INSECURE, mounts, extra.secretEnv());
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
            extra.close();
            return root.commit();
        }
    }

    static void ensureDir(Path p) throws IOException {
        Files.createDirectories(p);
    }
}
