package dev.kiln.export.cache;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.solver.CacheStore;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.Result;
import dev.kiln.solver.SolvedStep;
import dev.kiln.worker.BlobFetcher;
import dev.kiln.worker.KilnWorker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's cache store: the local store first, then the caches the job imported
 * ({@code --cache-from}), in the order given. A hit in an imported cache becomes lazy results
 * ({@link dev.kiln.worker.RemoteLayers}): nothing is downloaded until a step runs on them or
 * an output needs their bytes. Saves go to the local store only.
 *
 * <p>The worker keeps one fetcher per imported chain for as long as it runs, but a registry
 * fetcher carries the credentials of the build (session) that imported it. So the worker is given
 * an {@link AttachedFetchers} per chain instead, which fetches through a build that imported the
 * chain and is still attached: once that build detached, its credentials serve no one.
 *
 * <p>One per engine; a job's imported caches are {@link #attach attached} before it solves and
 * {@link #detach detached} after. Thread-safe.
 */
public final class ImportingCacheStore implements CacheStore {
    private final CacheStore local;
    private final KilnWorker worker;
    private final Map<String, List<ImportedCache>> byJob = new ConcurrentHashMap<>();
    private final Map<List<Digest>, AttachedFetchers> chainFetchers = new ConcurrentHashMap<>();

    /**
     * The fetcher of one imported chain as the worker holds it: the fetchers of the attached jobs
     * that imported the chain, by job; fetches go through the one attached last. With none
     * attached, fetching fails (no build may use another's, finished, session).
     */
    public static final class AttachedFetchers implements BlobFetcher {
        private final Map<String, BlobFetcher> byJob = new LinkedHashMap<>();

        synchronized void put(String jobId, BlobFetcher fetcher) {
            byJob.remove(jobId);
            byJob.put(jobId, fetcher);
        }

        synchronized void remove(String jobId) {
            byJob.remove(jobId);
        }

        /** The fetcher fetches go through now, if a job that imported the chain is attached. */
        public synchronized Optional<BlobFetcher> current() {
            return byJob.isEmpty() ? Optional.empty() : Optional.of(byJob.values().stream().reduce((a, b) -> b).orElseThrow());
        }

        @Override
        public void fetch(Descriptor blob, ContentStore store) throws IOException {
            BlobFetcher f = current().orElseThrow(() -> new IOException("blob " + blob.digest() + " is in an imported cache"
                    + " that no running build has imported any more"));
            f.fetch(blob, store);
        }

        @Override
        public String describe() {
            return current().map(BlobFetcher::describe).orElse("an imported cache no longer attached");
        }
    }

    public ImportingCacheStore(CacheStore local, KilnWorker worker) {
        this.local = local;
        this.worker = worker;
    }

    public void attach(String jobId, List<ImportedCache> caches) {
        if (!caches.isEmpty()) {
            byJob.put(jobId, List.copyOf(caches));
        }
    }

    public void detach(String jobId) {
        byJob.remove(jobId);
        for (AttachedFetchers f : chainFetchers.values()) {
            f.remove(jobId);
        }
    }

    @Override
    public Optional<List<Result>> lookup(Digest cacheKey) {
        return local.lookup(cacheKey);
    }

    @Override
    public Optional<List<Result>> lookup(Digest cacheKey, JobContext job) {
        Optional<List<Result>> mine = local.lookup(cacheKey);
        if (mine.isPresent() && mine.get().stream().allMatch(worker::isValid)) {
            return mine;
        }
        for (ImportedCache cache : byJob.getOrDefault(job.id(), List.of())) {
            Optional<List<List<LayerBlob>>> chains = cache.lookup(cacheKey);
            if (chains.isPresent()) {
                List<Result> out = new ArrayList<>();
                for (List<LayerBlob> chain : chains.get()) {
                    AttachedFetchers f = chainFetchers.computeIfAbsent(chain.stream().map(LayerBlob::diffId).toList(),
                            k -> new AttachedFetchers());
                    f.put(job.id(), cache.fetcher());
                    out.add(worker.remoteLayers().register(chain, f));
                }
                return Optional.of(out);
            }
        }
        return mine;
    }

    /**
     * Records in the local store the imported steps of a finished solve whose layers are now
     * unpacked here (a step ran on them, or an output needed their files), so that the next
     * build on this state dir finds them without {@code --cache-from}. Returns how many.
     */
    public int keepMaterialised(List<SolvedStep> steps) {
        int kept = 0;
        for (SolvedStep step : steps) {
            List<Result> local = new ArrayList<>();
            boolean anyLazy = false;
            for (Result r : step.results()) {
                if (worker.remoteLayers().chain(r).isEmpty()) {
                    local.add(r);
                    continue;
                }
                anyLazy = true;
                Optional<Result> unpacked = worker.remoteLayers().local(r);
                if (unpacked.isEmpty()) {
                    break;
                }
                local.add(unpacked.get());
            }
            if (anyLazy && local.size() == step.results().size()) {
                this.local.save(step.key(), local, step.vertex().name());
                kept++;
            }
        }
        return kept;
    }

    @Override
    public void save(Digest cacheKey, List<Result> results, String description) {
        local.save(cacheKey, results, description);
    }
}
