package dev.kiln.export.cache;

import dev.kiln.common.Digest;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.worker.BlobFetcher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cache read from one {@code --cache-from} source: its records by cache key, and where its
 * blobs come from. Holds only metadata; blobs are fetched on demand through {@link #fetcher}.
 * Immutable.
 */
public final class ImportedCache {
    private final String source;
    private final Map<Digest, List<List<LayerBlob>>> records = new HashMap<>();
    private final BlobFetcher fetcher;
    private final Map<String, LayerBlob> cacheMounts;

    public ImportedCache(String source, CacheConfig config, BlobFetcher fetcher) {
        this.source = source;
        this.fetcher = fetcher;
        this.cacheMounts = config.cacheMountBlobs();
        for (CacheConfig.CacheRecord r : config.records()) {
            records.putIfAbsent(Digest.parse(r.key()), config.chains(r));
        }
    }

    /** The layer chains of the step with this key, one per output; empty when the cache lacks it. */
    public Optional<List<List<LayerBlob>>> lookup(Digest key) {
        return Optional.ofNullable(records.get(key));
    }

    /** The cache-mount contents the cache carries, by cache id (empty unless exported with cache-mounts=true). */
    public Map<String, LayerBlob> cacheMounts() {
        return cacheMounts;
    }

    public BlobFetcher fetcher() {
        return fetcher;
    }

    public int size() {
        return records.size();
    }

    public String source() {
        return source;
    }
}
