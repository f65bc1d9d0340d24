package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.layer.LayerBlob;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lazy results: snapshot chains known only by their layer blobs, which live in an imported
 * cache and are not downloaded until something needs their files. A lazy result is
 * {@code lazy:CHAINID} where CHAINID is the chain ID of its layers' diffIDs; it is handed to
 * the solver like any other result. Exporting it as an image needs only its descriptors
 * ({@link #layers}); running a step on it or viewing its files {@link #materialise
 * materialises} it: its blobs are fetched (in parallel) and unpacked into snapshots named by
 * chain ID, the same names base images use, so shared layers are shared on disk.
 *
 * <p>One per worker; entries live in memory for the engine's lifetime (an imported step that
 * never ran here is not written to the local cache). Thread-safe.
 */
public final class RemoteLayers {
    private static final int PARALLEL_FETCHES = 4;
    private final Map<String, Chain> chains = new ConcurrentHashMap<>();
    private final ContentStore content;
    private final BaseImages baseImages;
    private final dev.kiln.snapshot.Snapshotter snapshotter;
    private final AtomicLong fetchedBlobs = new AtomicLong();

    /** An imported chain: its layers bottom-up and where their blobs come from. */
    public record Chain(List<LayerBlob> layers, BlobFetcher fetcher) {
        public Chain {
            layers = List.copyOf(layers);
        }
    }

    RemoteLayers(ContentStore content, BaseImages baseImages, dev.kiln.snapshot.Snapshotter snapshotter) {
        this.content = content;
        this.baseImages = baseImages;
        this.snapshotter = snapshotter;
    }

    /**
     * The local form of a lazy result whose chain is unpacked here by now (materialised
     * itself, or as the prefix of a chain that was): its committed snapshot. Empty while any
     * of it is only in the imported cache, and for results that are not lazy.
     */
    public Optional<Result> local(Result r) {
        return Refs.lazyId(r).map(id -> LayerRecords.unpackedName(id)).filter(name -> snapshotter.stat(name).isPresent())
                .map(Refs::snapshot);
    }

    /** Registers an imported chain and returns the lazy result that stands for it. */
    public Result register(List<LayerBlob> layers, BlobFetcher fetcher) {
        if (layers.isEmpty()) {
            return Result.EMPTY;
        }
        List<Digest> chainIds = BaseImages.chainIds(layers.stream().map(LayerBlob::diffId).toList());
        String id = chainIds.getLast().hex();
        chains.putIfAbsent(id, new Chain(layers, fetcher));
        return Refs.lazy(id);
    }

    /** The chain a lazy result stands for; empty for any other result. */
    public Optional<Chain> chain(Result r) {
        return Refs.lazyId(r).map(chains::get);
    }

    /** The layer blobs of a lazy result, bottom-up, without fetching anything. */
    public Optional<List<LayerBlob>> layers(Result r) {
        return chain(r).map(Chain::layers);
    }

    /** Where an imported blob that is not downloaded can be fetched from; empty when no imported chain holds it. */
    public Optional<BlobFetcher> fetcherOf(Digest blob) {
        for (Chain c : chains.values()) {
            for (LayerBlob l : c.layers()) {
                if (l.descriptor().digestValue().equals(blob)) {
                    return Optional.of(c.fetcher());
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code r} is a lazy result this worker knows. */
    boolean knows(Result r) {
        return chain(r).isPresent();
    }

    /** How many blobs materialising has fetched so far (for tests and progress). */
    public long fetchedBlobs() {
        return fetchedBlobs.get();
    }

    /** Puts the chain's blobs that are missing into the content store, several at once. */
    public void fetchBlobs(Chain chain) throws IOException {
        List<LayerBlob> missing = chain.layers().stream()
                .filter(l -> !content.exists(l.descriptor().digestValue())).toList();
        if (missing.isEmpty()) {
            return;
        }
        Semaphore slots = new Semaphore(PARALLEL_FETCHES);
        List<Future<Void>> running = new ArrayList<>();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (LayerBlob l : missing) {
                running.add(exec.submit(() -> {
                    slots.acquire();
                    try {
                        chain.fetcher().fetch(l.descriptor(), content);
                        fetchedBlobs.incrementAndGet();
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
            for (Future<Void> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching cache blobs", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new KilnException("cannot fetch a cache blob from " + chain.fetcher().describe() + ": "
                    + c.getMessage(), c);
        }
    }

    /**
     * The real form of {@code r}: a lazy result becomes its committed snapshot chain (fetched
     * and unpacked once); any other result is returned as it is.
     */
    public Result materialise(Result r) throws IOException {
        Optional<Chain> chain = chain(r);
        if (chain.isEmpty()) {
            if (Refs.lazyId(r).isPresent()) {
                throw new KilnException("imported cache result " + r.ref() + " is unknown to this engine");
            }
            return r;
        }
        fetchBlobs(chain.get());
        return baseImages.unpackLayers(chain.get().layers(), "cache from " + chain.get().fetcher().describe());
    }
}
