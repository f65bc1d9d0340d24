package dev.kiln.registry;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.errors.DigestMismatchException;
import dev.kiln.registry.errors.MalformedManifestException;
import dev.kiln.registry.errors.RegistryException;
import dev.kiln.registry.manifest.InvalidManifestException;
import dev.kiln.registry.manifest.ManifestContent;
import dev.kiln.registry.transport.RegistryRequest;
import dev.kiln.registry.transport.RegistryResponse;
import dev.kiln.registry.transport.RegistryTransport;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushes an image or index from a content store, the way docker does: for each blob a
 * {@code HEAD} first, then a cross-repository mount when a repository of the same registry
 * is known to hold it, else an upload (one {@code PUT} for small blobs, {@code PATCH} chunks
 * then a closing {@code PUT} for large ones). Layers go in parallel, then the config, then
 * the manifest with its exact media type. An index pushes each child manifest by digest
 * first. One instance per push.
 */
final class ImagePusher {
    private final RegistryTransport transport;
    private final BlobSources sources;
    private final int parallelism;
    private final PushOptions options;
    private final AtomicInteger uploaded = new AtomicInteger();
    private final AtomicInteger present = new AtomicInteger();
    private final AtomicInteger mounted = new AtomicInteger();

    ImagePusher(RegistryTransport transport, BlobSources sources, int parallelism, PushOptions options) {
        this.transport = transport;
        this.sources = sources;
        this.parallelism = parallelism;
        this.options = options;
    }

    PushResult push(ImageReference ref, Descriptor root, ContentStore store, TransferListener listener) {
        byte[] bytes = read(ref, store, root);
        ManifestContent content = parse(ref, root, bytes);
        String tagOrDigest = ref.tag() != null ? ref.tag() : root.digest();
        if (content instanceof ManifestContent.Index index) {
            for (Descriptor child : index.manifests()) {
                if (!store.exists(child.digestValue())) {
                    throw new RegistryException(ref.registry(), ref + ": index entry " + child.digest()
                            + " is not in the local content store; pull or build it first");
                }
                byte[] childBytes = read(ref, store, child);
                ManifestContent childContent = parse(ref, child, childBytes);
                if (!(childContent instanceof ManifestContent.Image image)) {
                    throw new MalformedManifestException(ref.registry(), ref.toString(), "nested index " + child.digest()
                            + " is not supported");
                }
                pushBlobsOf(ref, image, store, listener);
                putManifest(ref, child.digest(), child, childBytes, listener);
            }
        } else {
            pushBlobsOf(ref, (ManifestContent.Image) content, store, listener);
        }
        Digest pushed = putManifest(ref, tagOrDigest, root, bytes, listener);
        ImageReference where = ref.tag() != null ? ref.withTag(ref.tag()) : ref;
        return new PushResult(where, pushed, root.mediaType(), uploaded.get(), present.get(), mounted.get());
    }

    private void pushBlobsOf(ImageReference ref, ManifestContent.Image image, ContentStore store, TransferListener listener) {
        Map<Digest, Descriptor> layers = new LinkedHashMap<>();
        for (Descriptor layer : image.layers()) {
            layers.putIfAbsent(layer.digestValue(), layer);
        }
        layers.remove(image.config().digestValue());
        List<ParallelTransfers.Transfer> transfers = new ArrayList<>();
        for (Descriptor layer : layers.values()) {
            transfers.add(() -> pushBlob(ref, layer, store, listener));
        }
        ParallelTransfers.runAll(transfers, parallelism, ref.registry());
        pushBlob(ref, image.config(), store, listener);
    }

    /** Pushes one blob (HEAD, mount, upload); returns how it got there. */
    TransferListener.Outcome pushOne(ImageReference ref, Descriptor blob, ContentStore store, TransferListener listener) {
        return pushBlob(ref, blob, store, listener);
    }

    /** Puts manifest or index bytes under the reference's tag (or its digest when untagged). */
    Digest putManifest(ImageReference ref, Descriptor d, byte[] bytes, TransferListener listener) {
        if (!Digest.sha256(bytes).equals(d.digestValue())) {
            throw new DigestMismatchException(ref.registry(), ref + " manifest to push", d.digestValue(), Digest.sha256(bytes));
        }
        return putManifest(ref, ref.tag() != null ? ref.tag() : d.digest(), d, bytes, listener);
    }

    private TransferListener.Outcome pushBlob(ImageReference ref, Descriptor blob, ContentStore store, TransferListener listener) {
        listener.started(blob, TransferListener.Direction.PUSH);
        Digest digest = blob.digestValue();
        String repo = ref.repository();
        Path file;
        try {
            file = store.path(digest);
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), ref + ": blob " + digest + " is not in the local content store", e);
        }
        Set<String> from = new LinkedHashSet<>(sources.repositories(ref.registry(), digest, repo));
        options.mountFrom().stream().filter(r -> !r.equals(repo)).forEach(from::add);
        List<String> scopes = scopes(repo, from);
        try (RegistryResponse head = send("HEAD", ref, RegistryPaths.blob(repo, digest), scopes, listener)) {
            if (head.status() == 200) {
                return done(ref, blob, TransferListener.Outcome.ALREADY_PRESENT, present, listener);
            }
            if (head.status() != 404) {
                throw failure(ref, "HEAD of blob " + digest, head);
            }
        }
        String location = null;
        for (String source : from) {
            try (RegistryResponse r = send("POST", ref, RegistryPaths.mount(repo, digest, source), scopes, listener)) {
                if (r.status() == 201) {
                    return done(ref, blob, TransferListener.Outcome.MOUNTED, mounted, listener);
                }
                if (r.status() != 202) {
                    throw failure(ref, "mount of " + digest + " from " + source, r);
                }
                location = r.location().orElse(null);
                break;
            }
        }
        if (location == null) {
            try (RegistryResponse r = send("POST", ref, RegistryPaths.uploads(repo), scopes, listener)) {
                if (r.status() != 202) {
                    throw failure(ref, "starting the upload of " + digest, r);
                }
                location = r.location().orElseThrow(() -> new RegistryException(ref.registry(),
                        ref.registry() + " started an upload without a Location header"));
            }
        }
        if (blob.size() <= options.chunkSize()) {
            RegistryRequest put = RegistryRequest.of("PUT", ref.registry(), RegistryPaths.withDigest(location, digest), scopes)
                    .header("Content-Type", "application/octet-stream")
                    .body(() -> {
                        try {
                            return BodyPublishers.ofFile(file);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            finishUpload(ref, blob, put, listener);
        } else {
            location = uploadChunks(ref, blob, file, location, scopes, listener);
            finishUpload(ref, blob, RegistryRequest.of("PUT", ref.registry(), RegistryPaths.withDigest(location, digest), scopes)
                    .header("Content-Type", "application/octet-stream"), listener);
        }
        return done(ref, blob, TransferListener.Outcome.TRANSFERRED, uploaded, listener);
    }

    private String uploadChunks(ImageReference ref, Descriptor blob, Path file, String location, List<String> scopes,
            TransferListener listener) {
        long size = blob.size();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            for (long offset = 0; offset < size; ) {
                int length = (int) Math.min(options.chunkSize(), size - offset);
                byte[] chunk = new byte[length];
                raf.seek(offset);
                raf.readFully(chunk);
                RegistryRequest patch = RegistryRequest.of("PATCH", ref.registry(), location, scopes)
                        .header("Content-Type", "application/octet-stream")
                        .header("Content-Range", offset + "-" + (offset + length - 1))
                        .body(() -> BodyPublishers.ofByteArray(chunk));
                try (RegistryResponse r = transport.send(patch, listener)) {
                    if (r.status() != 202) {
                        throw failure(ref, "uploading bytes " + offset + "-" + (offset + length - 1) + " of " + blob.digest(), r);
                    }
                    location = r.location().orElse(location);
                }
                offset += length;
                listener.progressed(blob, offset);
            }
            return location;
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), ref + ": cannot read blob " + blob.digest() + ": " + e.getMessage(), e);
        }
    }

    private void finishUpload(ImageReference ref, Descriptor blob, RegistryRequest put, TransferListener listener) {
        try (RegistryResponse r = transport.send(put, listener)) {
            if (r.status() != 201 && r.status() != 204) {
                throw failure(ref, "finishing the upload of " + blob.digest(), r);
            }
            r.header("Docker-Content-Digest").filter(h -> !h.equals(blob.digest())).ifPresent(h -> {
                throw new DigestMismatchException(ref.registry(), ref.name() + " uploaded blob", blob.digestValue(), Digest.parse(h));
            });
        }
    }

    private Digest putManifest(ImageReference ref, String tagOrDigest, Descriptor d, byte[] bytes, TransferListener listener) {
        listener.started(d, TransferListener.Direction.PUSH);
        RegistryRequest put = RegistryRequest.of("PUT", ref.registry(), RegistryPaths.manifest(ref.repository(), tagOrDigest),
                        scopes(ref.repository(), Set.of()))
                .header("Content-Type", d.mediaType())
                .body(() -> BodyPublishers.ofByteArray(bytes));
        Digest digest = d.digestValue();
        try (RegistryResponse r = transport.send(put, listener)) {
            if (r.status() != 201 && r.status() != 200) {
                throw failure(ref, "pushing manifest " + d.digest(), r);
            }
            Digest stored = r.header("Docker-Content-Digest").map(Digest::parse).orElse(digest);
            if (!stored.equals(digest)) {
                throw new DigestMismatchException(ref.registry(), ref + " pushed manifest", digest, stored);
            }
        }
        listener.finished(d, TransferListener.Direction.PUSH, TransferListener.Outcome.TRANSFERRED);
        return digest;
    }

    private TransferListener.Outcome done(ImageReference ref, Descriptor blob, TransferListener.Outcome outcome,
            AtomicInteger counter, TransferListener listener) {
        counter.incrementAndGet();
        sources.record(ref.registry(), ref.repository(), blob.digestValue());
        listener.finished(blob, TransferListener.Direction.PUSH, outcome);
        return outcome;
    }

    private RegistryResponse send(String method, ImageReference ref, String target, List<String> scopes,
            TransferListener listener) {
        return transport.send(RegistryRequest.of(method, ref.registry(), target, scopes), listener);
    }

    private static List<String> scopes(String repo, Set<String> mountSources) {
        List<String> scopes = new ArrayList<>();
        scopes.add(RegistryPaths.pushScope(repo));
        mountSources.stream().sorted().map(RegistryPaths::pullScope).forEach(scopes::add);
        return scopes;
    }

    private static RegistryException failure(ImageReference ref, String what, RegistryResponse r) {
        String detail = r.errorDetail();
        return new RegistryException(ref.registry(), ref + ": " + what + " answered " + r.status()
                + (detail.isEmpty() ? "" : ": " + detail));
    }

    private static byte[] read(ImageReference ref, ContentStore store, Descriptor d) {
        try {
            byte[] bytes = store.readAll(d.digestValue());
            if (!Digest.sha256(bytes).equals(d.digestValue())) {
                throw new DigestMismatchException(ref.registry(), "local " + d.digest(), d.digestValue(), Digest.sha256(bytes));
            }
            return bytes;
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), ref + ": " + d.digest() + " is not in the local content store", e);
        }
    }

    private static ManifestContent parse(ImageReference ref, Descriptor d, byte[] bytes) {
        try {
            return ManifestContent.parse(bytes, d.mediaType());
        } catch (InvalidManifestException e) {
            throw new MalformedManifestException(ref.registry(), ref.toString(), e.getMessage());
        }
    }
}
