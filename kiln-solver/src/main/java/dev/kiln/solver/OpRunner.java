package dev.kiln.solver;

import dev.kiln.common.Digest;
import dev.kiln.llb.Vertex;
import java.util.List;

/**
 * The solver's view of a worker: it describes how an op is keyed and runs it. Implemented by
 * kiln-worker; the solver never imports the worker, the snapshotter or the executor.
 *
 * <p>All methods may be called from many threads at once, for different vertices and jobs.
 * Results returned by {@link #run} must be durable (committed) before it returns: the solver
 * records them in the cache right away.
 */
public interface OpRunner {

    /** How the vertex is keyed; cheap, may resolve metadata but must not run the op. */
    CacheMap cacheMap(Vertex vertex, JobContext job) throws Exception;

    /** The digest of the files {@code selector} picks in {@code input}. */
    Digest contentChecksum(Result input, ContentSelector selector, JobContext job) throws Exception;

    /**
     * Runs the op on its inputs' results (one per edge, in edge order) and returns its
     * outputs. Throws {@link InterruptedException} promptly when the thread is interrupted
     * (the job was cancelled), after releasing what it started.
     */
    List<Result> run(Vertex vertex, List<Result> inputs, JobContext job) throws Exception;

    /** Whether a result found in the cache can still be used (its snapshot still exists). */
    boolean isValid(Result result);
}
