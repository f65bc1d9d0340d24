package dev.kiln.worker.state;

import dev.kiln.common.Digest;
import dev.kiln.solver.CacheStore;
import dev.kiln.solver.Result;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The solver's cache records in {@code kiln.db}: cache key → the results (snapshot refs) a
 * vertex produced. Looking a record up refreshes its last-used time, which garbage collection
 * reads.
 */
public final class SqliteCacheStore implements CacheStore {
    private final StateDb db;

    public SqliteCacheStore(StateDb db) {
        this.db = db;
    }

    @Override
    public Optional<List<Result>> lookup(Digest cacheKey) {
        List<String> rows = db.query("SELECT results FROM cache_records WHERE key = ?", rs -> rs.getString(1),
                cacheKey.toString());
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        db.update("UPDATE cache_records SET last_used = ? WHERE key = ?", System.currentTimeMillis(), cacheKey.toString());
        return Optional.of(Arrays.stream(rows.get(0).split("\n")).map(Result::new).toList());
    }

    @Override
    public void save(Digest cacheKey, List<Result> results, String description) {
        long now = System.currentTimeMillis();
        String joined = String.join("\n", results.stream().map(Result::ref).toList());
        db.update("""
                INSERT INTO cache_records (key, results, description, created, last_used) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET results = excluded.results, last_used = excluded.last_used""",
                cacheKey.toString(), joined, description, now, now);
    }
}
