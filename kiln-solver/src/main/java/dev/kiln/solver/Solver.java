package dev.kiln.solver;

import dev.kiln.common.Digest;
import dev.kiln.llb.Definition;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.Vertex;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Solves LLB definitions: computes each vertex's cache key, serves what the cache has, runs
 * the rest on the {@link OpRunner} with independent vertices in parallel (one virtual thread
 * per vertex), and records new results in the {@link CacheStore}.
 *
 * <p>One solver serves every job of an engine. A vertex with the same cache key wanted by
 * two jobs at once runs once; the second job waits for the first one's result. If the first
 * job fails or is cancelled, the second runs the vertex itself.
 *
 * <p>Lifecycle: create once per engine, call {@link #solve} from any thread, close never
 * needed beyond dropping the reference (running jobs are cancelled by interrupting the
 * thread that called {@code solve}).
 */
public final class Solver {
    private final OpRunner runner;
    private final CacheStore cache;
    private final Semaphore execSlots;
    private final ConcurrentHashMap<Digest, CompletableFuture<List<Result>>> inflight = new ConcurrentHashMap<>();

    /**
     * @param maxParallelExec the most RUN steps (exec ops) running at once across all jobs;
     *                        0 means no limit, as in the reference
     */
    public Solver(OpRunner runner, CacheStore cache, int maxParallelExec) {
        this.runner = runner;
        this.cache = cache;
        this.execSlots = maxParallelExec > 0 ? new Semaphore(maxParallelExec, true) : null;
    }

    /**
     * Solves {@code definition} for {@code job} and returns the root's result
     * ({@link Result#EMPTY} when the definition has no root). Blocks until done.
     *
     * @throws SolveException naming the step that failed
     * @throws InterruptedException when the calling thread is interrupted; running ops are
     *                              cancelled before this returns
     */
    public Result solve(Definition definition, JobContext job) throws InterruptedException {
        if (definition.root().isEmpty()) {
            return Result.EMPTY;
        }
        try (SolveRun run = new SolveRun(this, definition, job)) {
            return run.solveRoot();
        }
    }

    /** The root's result and every cacheable step's key and results, for cache export. */
    public record Solution(Result root, List<SolvedStep> steps) {
        public Solution {
            steps = List.copyOf(steps);
        }
    }

    /**
     * Like {@link #solve}, and also reports each cacheable step's key and results (in
     * definition order) so that a cache exporter can write them out.
     */
    public Solution solveWithSteps(Definition definition, JobContext job) throws InterruptedException {
        if (definition.root().isEmpty()) {
            return new Solution(Result.EMPTY, List.of());
        }
        try (SolveRun run = new SolveRun(this, definition, job)) {
            Result root = run.solveRoot();
            return new Solution(root, run.steps());
        }
    }

    OpRunner runner() {
        return runner;
    }

    CacheStore cache() {
        return cache;
    }

    ConcurrentHashMap<Digest, CompletableFuture<List<Result>>> inflight() {
        return inflight;
    }

    /** Runs the vertex, holding an exec slot when it is a RUN and slots are limited. */
    List<Result> runLimited(Vertex v, List<Result> inputs, JobContext job) throws Exception {
        if (execSlots == null || !(v.op() instanceof ExecOp)) {
            return runner.run(v, inputs, job);
        }
        execSlots.acquire();
        try {
            return runner.run(v, inputs, job);
        } finally {
            execSlots.release();
        }
    }
}
