package dev.kiln.export.cache;

import dev.kiln.common.Digest;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.solver.CacheStore;
import dev.kiln.solver.JobContext;
import dev.kiln.solver.Result;
import dev.kiln.solver.SolvedStep;
import dev.kiln.worker.KilnWorker;
import java.util.ArrayList;
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
 * <p>One per engine; a job's imported caches are {@link #attach attached} before it solves and
 * {@link #detach detached} after. Thread-safe.
 */
public final class ImportingCacheStore implements CacheStore {
    private final CacheStore local;
    private final KilnWorker worker;
    private final Map<String, List<ImportedCache>> byJob = new ConcurrentHashMap<>();

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
                    out.add(worker.remoteLayers().register(chain, cache.fetcher()));
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
