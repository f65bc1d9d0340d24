package dev.kiln.solver;

import dev.kiln.common.Digest;
import java.util.List;
import java.util.Optional;

/**
 * Persistent map from cache key to the results a vertex produced. Implemented by the worker
 * over its state database; a save is one transaction, so a crash leaves either the whole
 * record or none. Thread-safe.
 */
public interface CacheStore {

    Optional<List<Result>> lookup(Digest cacheKey);

    /**
     * Looks a key up for one job. A store may consult sources that only this job brought
     * (imported caches, {@code --cache-from}); the default ignores the job.
     */
    default Optional<List<Result>> lookup(Digest cacheKey, JobContext job) {
        return lookup(cacheKey);
    }

    /** Records results under the key, with a description for {@code kiln du}. */
    void save(Digest cacheKey, List<Result> results, String description);

    /** A store that remembers nothing (tests, {@code --no-cache} everywhere). */
    static CacheStore none() {
        return new CacheStore() {
            @Override
            public Optional<List<Result>> lookup(Digest cacheKey) {
                return Optional.empty();
            }

            @Override
            public void save(Digest cacheKey, List<Result> results, String description) {}
        };
    }
}
