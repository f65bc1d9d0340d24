package dev.kiln.registry;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentMismatchException;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.errors.DigestMismatchException;
import dev.kiln.registry.errors.RegistryException;
import dev.kiln.registry.transport.RegistryRequest;
import dev.kiln.registry.transport.RegistryResponse;
import dev.kiln.registry.transport.RegistryTransport;
import dev.kiln.registry.transport.RequestObserver;
import dev.kiln.registry.transport.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads the blobs of a resolved image into a content store: layers in parallel, then the
 * config, the manifest and the index, each verified against its digest and size. A blob cut
 * off mid-stream is downloaded again from the start, within the retry policy's tries.
 * One instance per operation.
 */
final class ImagePuller {
    private static final int PROGRESS_STEP = 1 << 20;

    private final RegistryTransport transport;
    private final BlobSources sources;
    private final RetryPolicy retry;
    private final int parallelism;

    ImagePuller(RegistryTransport transport, BlobSources sources, RetryPolicy retry, int parallelism) {
        this.transport = transport;
        this.sources = sources;
        this.retry = retry;
        this.parallelism = parallelism;
    }

    PullResult pull(ResolvedImage image, ContentStore store, TransferListener listener) {
        ImageReference ref = image.source();
        AtomicInteger downloaded = new AtomicInteger();
        AtomicInteger present = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        Map<Digest, Descriptor> unique = new LinkedHashMap<>();
        for (Descriptor layer : image.layers()) {
            unique.putIfAbsent(layer.digestValue(), layer);
        }
        List<ParallelTransfers.Transfer> transfers = new ArrayList<>();
        for (Descriptor layer : unique.values()) {
            transfers.add(() -> {
                if (fetchBlob(ref, layer, store, listener)) {
                    downloaded.incrementAndGet();
                    bytes.addAndGet(layer.size());
                } else {
                    present.incrementAndGet();
                }
            });
        }
        ParallelTransfers.runAll(transfers, parallelism, ref.registry());
        if (storeBytes(ref, image.config(), image.configBytes(), store, listener)) {
            downloaded.incrementAndGet();
            bytes.addAndGet(image.configBytes().length);
        } else {
            present.incrementAndGet();
        }
        storeBytes(ref, image.manifest(), image.manifestBytes(), store, listener);
        image.index().ifPresent(index -> storeBytes(ref, index, image.indexBytes(), store, listener));
        return new PullResult(image, image.root(), downloaded.get(), present.get(), bytes.get());
    }

    /** Stores bytes that were already fetched and verified; true when they were new to the store. */
    private boolean storeBytes(ImageReference ref, Descriptor d, byte[] data, ContentStore store, TransferListener listener) {
        listener.started(d, TransferListener.Direction.PULL);
        if (store.exists(d.digestValue())) {
            listener.finished(d, TransferListener.Direction.PULL, TransferListener.Outcome.ALREADY_PRESENT);
            return false;
        }
        try (ContentStore.Writer w = store.writer()) {
            w.stream().write(data);
            w.commit(Optional.of(d.digestValue()));
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), ref + ": cannot store " + d.digest() + ": " + e.getMessage(), e);
        }
        sources.record(ref.registry(), ref.repository(), d.digestValue());
        listener.finished(d, TransferListener.Direction.PULL, TransferListener.Outcome.TRANSFERRED);
        return true;
    }

    /** Downloads one blob into the store unless present; true when bytes were downloaded. */
    boolean fetchBlob(ImageReference ref, Descriptor blob, ContentStore store, TransferListener listener) {
        listener.started(blob, TransferListener.Direction.PULL);
        Digest digest = blob.digestValue();
        if (store.exists(digest) && store.size(digest).orElse(-1L) == blob.size()) {
            sources.record(ref.registry(), ref.repository(), digest);
            listener.finished(blob, TransferListener.Direction.PULL, TransferListener.Outcome.ALREADY_PRESENT);
            return false;
        }
        requireSha256(ref, digest);
        ContentStore.Writer w = null;
        try {
            for (int attempt = 1; ; attempt++) {
                if (w == null) {
                    w = store.writer();
                }
                long have = w.written();
                try (RegistryResponse r = open(ref, digest, have, listener)) {
                    if (have > 0 && r.status() == 200) {
                        // the registry ignored the Range header: start over
                        w.close();
                        w = store.writer();
                    }
                    copy(r.body(), w.stream(), blob, w.written(), listener);
                    break;
                } catch (IOException e) {
                    if (!retry.canRetry(attempt)) {
                        throw new RegistryException(ref.registry(), ref.name() + ": download of blob " + digest
                                + " failed after " + attempt + " tries: " + e.getMessage(), e);
                    }
                    sleep(ref, retry.backoff(attempt, Optional.empty()));
                }
            }
            if (w.written() != blob.size()) {
                throw new RegistryException(ref.registry(), ref.name() + " blob " + digest + ": size mismatch: expected "
                        + blob.size() + " bytes, got " + w.written());
            }
            commitVerified(ref, w, digest);
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), ref.name() + ": cannot store blob " + digest + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(w);
        }
        sources.record(ref.registry(), ref.repository(), digest);
        listener.finished(blob, TransferListener.Direction.PULL, TransferListener.Outcome.TRANSFERRED);
        return true;
    }

    /**
     * Commits a downloaded blob under {@code digest}. The store hashes every byte as it is
     * written and refuses (discarding the temp file) a blob whose digest differs, so the
     * download is verified once, by the store, while it streams; hashing it here as well
     * doubled the pull's CPU cost. The store's refusal becomes a {@link DigestMismatchException}
     * carrying the digest the bytes really have.
     */
    private static void commitVerified(ImageReference ref, ContentStore.Writer w, Digest digest) {
        try {
            w.commit(Optional.of(digest));
        } catch (ContentMismatchException e) {
            throw new DigestMismatchException(ref.registry(), ref.name() + " blob", digest, e.actual());
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), ref.name() + ": cannot store blob " + digest + ": "
                    + e.getMessage(), e);
        }
    }

    /** Reads a small blob (config) into memory, verified. */
    byte[] readBlob(ImageReference ref, Descriptor blob, RequestObserver observer) {
        Digest digest = blob.digestValue();
        requireSha256(ref, digest);
        for (int attempt = 1; ; attempt++) {
            try (RegistryResponse r = open(ref, digest, 0, observer); InputStream in = r.body()) {
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, blob.size() + 1));
                Digest actual = Digest.sha256(bytes);
                if (!actual.equals(digest)) {
                    throw new DigestMismatchException(ref.registry(), ref.name() + " config", digest, actual);
                }
                return bytes;
            } catch (IOException e) {
                if (!retry.canRetry(attempt)) {
                    throw new RegistryException(ref.registry(), ref.name() + ": download of " + digest + " failed: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** The content store and the verification here hash with SHA-256 only. */
    private static void requireSha256(ImageReference ref, Digest digest) {
        if (!digest.algorithm().equals("sha256")) {
            throw new RegistryException(ref.registry(), ref.name() + ": blob " + digest + " uses " + digest.algorithm()
                    + ", which Kiln cannot verify (sha256 only)");
        }
    }

    /** GETs a blob, from byte {@code from} on when that is not 0 (a resumed download). */
    private RegistryResponse open(ImageReference ref, Digest digest, long from, RequestObserver observer) {
        RegistryRequest get = RegistryRequest.of("GET", ref.registry(), RegistryPaths.blob(ref.repository(), digest),
                List.of(RegistryPaths.pullScope(ref.repository())));
        if (from > 0) {
            get = get.header("Range", "bytes=" + from + "-");
        }
        RegistryResponse r = transport.send(get, observer);
        if (r.status() != 200 && !(from > 0 && r.status() == 206)) {
            String detail = r.errorDetail();
            throw new RegistryException(ref.registry(), ref.name() + ": blob " + digest + " "
                    + (r.status() == 404 ? "not found: blob unknown" : "answered " + r.status())
                    + (detail.isEmpty() ? "" : " (" + detail + ")"));
        }
        return r;
    }

    private static void sleep(ImageReference ref, java.time.Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new RegistryException(ref.registry(), "interrupted while downloading from " + ref.registry(), ie);
        }
    }

    private static void closeQuietly(ContentStore.Writer w) {
        if (w != null) {
            try {
                w.close();
            } catch (IOException ignored) {
                // an uncommitted temp file; the store removes leftovers on open
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, Descriptor blob, long start, TransferListener listener)
            throws IOException {
        byte[] buf = new byte[128 * 1024];
        long total = start;
        long reported = start;
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
            total += n;
            if (total > blob.size()) {
                throw new IOException("the registry sent more than the " + blob.size() + " bytes of " + blob.digest());
            }
            if (total - reported >= PROGRESS_STEP) {
                listener.progressed(blob, total);
                reported = total;
            }
        }
        listener.progressed(blob, total);
    }
}
