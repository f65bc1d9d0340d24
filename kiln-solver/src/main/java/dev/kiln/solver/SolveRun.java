package dev.kiln.solver;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.Definition;
import dev.kiln.llb.Edge;
import dev.kiln.llb.Vertex;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One job's pass over one definition. Phase one computes every vertex's cache key (which runs
 * client-directory sources and checksums the files that ops select from them); phase two
 * reports which vertices the cache holds, in graph order; phase three resolves the root,
 * loading cached results and running the rest, inputs in parallel.
 *
 * <p>A vertex the job excludes from the cache ({@code --no-cache}, {@code --no-cache-filter})
 * runs again, and so does every vertex that depends on it: its result is made afresh, so
 * what is built on it must be too (otherwise a cached dependent would hide the rerun).
 *
 * <p>Every task runs on its own virtual thread; the first failure interrupts the others.
 */
final class SolveRun implements AutoCloseable {
    private final Solver solver;
    private final JobContext job;
    private final Definition definition;
    private final Map<Digest, Vertex> vertices;
    private final Map<Digest, CompletableFuture<CacheMap>> cacheMaps = new ConcurrentHashMap<>();
    private final Map<Digest, CompletableFuture<Digest>> keys = new ConcurrentHashMap<>();
    private final Map<Digest, CompletableFuture<List<Result>>> results = new ConcurrentHashMap<>();
    private final Map<Digest, List<Result>> hits = new ConcurrentHashMap<>();
    /** Vertices that must run: excluded from the cache, or built on one that is. */
    private final Set<Digest> forced = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    SolveRun(Solver solver, Definition definition, JobContext job) {
        this.solver = solver;
        this.job = job;
        this.definition = definition;
        this.vertices = definition.byDigest();
    }

    Result solveRoot() throws InterruptedException {
        Edge root = definition.root().orElseThrow();
        try {
            await(key(root.vertex()));
            for (Vertex v : definition.vertices()) {
                CacheMap cm = await(cacheMap(v.digest()));
                if (job.noCache().test(v) || v.inputs().stream().anyMatch(e -> forced.contains(e.vertex()))) {
                    forced.add(v.digest());
                    continue;
                }
                if (!cm.cacheable()) {
                    continue;
                }
                Optional<List<Result>> found = solver.cache().lookup(await(key(v.digest())), job);
                if (found.isPresent() && found.get().stream().allMatch(solver.runner()::isValid)) {
                    hits.put(v.digest(), found.get());
                    job.progress().accept(new ProgressEvent.Cached(v.digest().toString(), v.name(), Instant.now()));
                }
            }
            return output(await(result(root.vertex())), root);
        } catch (InterruptedException e) {
            cancelAll();
            throw e;
        } catch (RuntimeException e) {
            cancelAll();
            Throwable first = failure.get();
            if (first instanceof KilnException ke) {
                throw ke;
            }
            throw e;
        }
    }

    /**
     * The cacheable steps whose key and results are known (hits and runs), in definition
     * order; call after {@link #solveRoot} returned.
     */
    List<SolvedStep> steps() {
        List<SolvedStep> out = new ArrayList<>();
        for (Vertex v : definition.vertices()) {
            CompletableFuture<CacheMap> cm = cacheMaps.get(v.digest());
            CompletableFuture<Digest> k = keys.get(v.digest());
            if (cm == null || k == null || !cm.isDone() || cm.isCompletedExceptionally() || !cm.join().cacheable()
                    || !k.isDone() || k.isCompletedExceptionally()) {
                continue;
            }
            List<Result> found = hits.get(v.digest());
            CompletableFuture<List<Result>> r = results.get(v.digest());
            if (found == null && r != null && r.isDone() && !r.isCompletedExceptionally()) {
                found = r.join();
            }
            if (found != null) {
                out.add(new SolvedStep(v, k.join(), found));
            }
        }
        return out;
    }

    private static Result output(List<Result> outputs, Edge edge) {
        if (edge.index() >= outputs.size()) {
            throw new IllegalStateException("vertex " + edge.vertex() + " has no output " + edge.index());
        }
        return outputs.get(edge.index());
    }

    private CompletableFuture<CacheMap> cacheMap(Digest d) {
        return cacheMaps.computeIfAbsent(d, x -> async(() -> solver.runner().cacheMap(vertices.get(x), job)));
    }

    private CompletableFuture<Digest> key(Digest d) {
        return keys.computeIfAbsent(d, x -> async(() -> computeKey(vertices.get(x))));
    }

    private CompletableFuture<List<Result>> result(Digest d) {
        return results.computeIfAbsent(d, x -> async(() -> computeResult(vertices.get(x))));
    }

    private Digest computeKey(Vertex v) throws Exception {
        CacheMap cm = await(cacheMap(v.digest()));
        if (!cm.cacheable()) {
            return Digest.sha256("uncacheable\n" + job.id() + "\n" + v.digest());
        }
        List<CompletableFuture<String>> parts = new ArrayList<>();
        for (int i = 0; i < v.inputs().size(); i++) {
            Edge in = v.inputs().get(i);
            Optional<ContentSelector> sel = i < cm.selectors().size() ? cm.selectors().get(i) : Optional.empty();
            if (sel.isPresent() && !await(cacheMap(in.vertex())).cacheable()) {
                parts.add(async(() -> "content:" + solver.runner().contentChecksum(
                        output(await(result(in.vertex())), in), sel.get(), job)));
            } else {
                parts.add(key(in.vertex()).thenApply(k -> k + ":" + in.index()));
            }
        }
        List<String> inputKeys = new ArrayList<>();
        for (CompletableFuture<String> p : parts) {
            inputKeys.add(await(p));
        }
        return CacheKeys.combine(cm.opKey(), inputKeys);
    }

    private List<Result> computeResult(Vertex v) throws Exception {
        List<Result> hit = hits.get(v.digest());
        if (hit != null) {
            return hit;
        }
        CacheMap cm = await(cacheMap(v.digest()));
        Digest key = await(key(v.digest()));
        List<CompletableFuture<List<Result>>> pending = v.inputs().stream().map(e -> result(e.vertex())).toList();
        List<Result> inputs = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            inputs.add(output(await(pending.get(i)), v.inputs().get(i)));
        }
        if (!cm.cacheable()) {
            return runReporting(v, inputs, null);
        }
        while (true) {
            CompletableFuture<List<Result>> mine = new CompletableFuture<>();
            CompletableFuture<List<Result>> theirs = solver.inflight().putIfAbsent(key, mine);
            if (theirs != null) {
                Optional<List<Result>> shared = awaitOtherJob(theirs);
                if (shared.isPresent()) {
                    return shared.get();
                }
                solver.inflight().remove(key, theirs);
                continue;
            }
            try {
                Optional<List<Result>> finished = finishedMeanwhile(v, key);
                if (finished.isPresent()) {
                    mine.complete(finished.get());
                    return finished.get();
                }
                List<Result> out = runReporting(v, inputs, key);
                mine.complete(out);
                return out;
            } catch (Throwable t) {
                mine.completeExceptionally(t);
                throw t;
            } finally {
                solver.inflight().remove(key, mine);
            }
        }
    }

    /**
     * A result another job recorded after this job looked the key up (its run ended before
     * this job claimed the key), so the step is not run twice; reported as cached.
     */
    private Optional<List<Result>> finishedMeanwhile(Vertex v, Digest key) {
        if (forced.contains(v.digest())) {
            return Optional.empty();
        }
        Optional<List<Result>> found = solver.cache().lookup(key, job);
        if (found.isPresent() && found.get().stream().allMatch(solver.runner()::isValid)) {
            job.progress().accept(new ProgressEvent.Cached(v.digest().toString(), v.name(), Instant.now()));
            return found;
        }
        return Optional.empty();
    }

    /**
     * Waits for another job's run of the same key. Empty when that run failed or was cancelled:
     * the caller then runs the vertex itself, so one job's failure never poisons another. Only
     * an interrupt of this job's own thread propagates.
     */
    private static Optional<List<Result>> awaitOtherJob(CompletableFuture<List<Result>> theirs)
            throws InterruptedException {
        try {
            return Optional.of(theirs.get());
        } catch (ExecutionException | CancellationException otherJobFailed) {
            return Optional.empty();
        }
    }

    /**
     * Runs the vertex, reporting start and end. When {@code saveKey} is set the results are
     * recorded in the cache before the end is reported, so a step shown as done is a step the
     * next build finds, even if this process is killed right after.
     */
    private List<Result> runReporting(Vertex v, List<Result> inputs, Digest saveKey) throws Exception {
        Instant start = Instant.now();
        String id = v.digest().toString();
        job.progress().accept(new ProgressEvent.Started(id, v.name(), start));
        try {
            List<Result> out = solver.runLimited(v, inputs, job);
            if (saveKey != null) {
                solver.cache().save(saveKey, out, v.name());
            }
            job.progress().accept(new ProgressEvent.Completed(id, v.name(), start, Instant.now(), null));
            return out;
        } catch (InterruptedException e) {
            job.progress().accept(new ProgressEvent.Completed(id, v.name(), start, Instant.now(), "cancelled"));
            throw e;
        } catch (Exception e) {
            String msg = e instanceof KilnException ? e.getMessage() : e.toString();
            job.progress().accept(new ProgressEvent.Completed(id, v.name(), start, Instant.now(), msg));
            String where = v.meta().description().get("location");
            String step = v.name().replaceFirst("^\\[[^\\]]*\\] ", "");
            throw new SolveException(v.name(), (where == null ? "" : where + ": ") + step + ": " + msg, e);
        }
    }

    private <T> CompletableFuture<T> async(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name("kiln-solve").unstarted(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                if (!(e instanceof InterruptedException)) {
                    failure.compareAndSet(null, e);
                }
                f.completeExceptionally(e);
                if (!(e instanceof InterruptedException)) {
                    cancelAll();
                }
            } finally {
                threads.remove(Thread.currentThread());
            }
        });
        threads.add(t);
        t.start();
        return f;
    }

    /** Waits for a task; its failure is rethrown unwrapped (a runtime exception stays one). */
    private <T> T await(CompletableFuture<T> f) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof InterruptedException ie) {
                Throwable first = failure.get();
                if (first != null) {
                    throw asRuntime(first);
                }
                throw ie;
            }
            throw asRuntime(c);
        } catch (CancellationException e) {
            throw new InterruptedException("cancelled");
        }
    }

    private static RuntimeException asRuntime(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new KilnException(t.getMessage() == null ? t.toString() : t.getMessage(), t);
    }

    private void cancelAll() {
        Thread self = Thread.currentThread();
        for (Thread t : threads) {
            if (t != self) {
                t.interrupt();
            }
        }
    }

    @Override
    public void close() {
        cancelAll();
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
