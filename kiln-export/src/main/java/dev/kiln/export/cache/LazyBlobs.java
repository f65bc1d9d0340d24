package dev.kiln.export.cache;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.PushOptions;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.worker.BlobFetcher;
import dev.kiln.worker.RemoteLayers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Blobs that an image or cache export refers to but that are still in an imported cache
 * (lazy results). {@link #placeAt} gets them into a target repository without downloading
 * where the registry allows it: nothing when the repository has them, a cross-repository
 * mount when the cache lives on the same registry; only the rest are fetched.
 * {@link #pushView} is the content store that pushes read, which answers for those blobs
 * without having them, so that the push's {@code HEAD} finds them in place.
 *
 * <p>One per engine; thread-safe.
 */
public final class LazyBlobs {
    private static final Path ABSENT = Path.of("/nonexistent/kiln-lazy-blob");
    private final ContentStore content;
    private final RemoteLayers remote;

    public LazyBlobs(ContentStore content, RemoteLayers remote) {
        this.content = content;
        this.remote = remote;
    }

    /**
     * Where a blob that is not in the content store can be fetched from; empty when it is there, or unknown.
     * For an imported chain, the fetcher of the attached build it goes through (a registry one can mount).
     */
    private Optional<BlobFetcher> lazy(Descriptor d) {
        return (content.exists(d.digestValue()) ? Optional.<BlobFetcher>empty() : remote.fetcherOf(d.digestValue()))
                .map(f -> f instanceof ImportingCacheStore.AttachedFetchers a ? a.current().orElse(a) : f);
    }

    /** Whether any of {@code blobs} is only in an imported cache. */
    public boolean anyLazy(List<Descriptor> blobs) {
        return blobs.stream().anyMatch(d -> lazy(d).isPresent());
    }

    /** Downloads every blob of {@code blobs} that is only in an imported cache. */
    public void fetchMissing(List<Descriptor> blobs) throws IOException {
        for (Descriptor d : blobs) {
            Optional<BlobFetcher> f = lazy(d);
            if (f.isPresent()) {
                f.get().fetch(d, content);
            }
        }
    }

    /**
     * Makes sure the repository of {@code target} holds each lazy blob of {@code blobs}:
     * present already, or mounted from the cache's repository on the same registry; a blob
     * neither way is downloaded so that the push that follows can upload it. {@code registry} is
     * the build's client, which asks its session for credentials.
     */
    public void placeAt(ImageReference target, List<Descriptor> blobs, RegistryClient registry, TransferListener listener)
            throws IOException {
        for (Descriptor d : blobs) {
            Optional<BlobFetcher> f = lazy(d);
            if (f.isEmpty()) {
                continue;
            }
            if (f.get() instanceof RegistryBlobFetcher r && r.repo().registry().equals(target.registry())) {
                try {
                    registry.pushBlob(target, d, pushView(), listener,
                            PushOptions.defaults().withMountFrom(List.of(r.repo().repository())));
                    continue;
                } catch (RuntimeException notMountable) {
                    // neither present nor mountable: download it below, the push uploads it
                }
            } else if (registry.hasBlob(target, d.digestValue())) {
                continue;
            }
            f.get().fetch(d, content);
        }
    }

    /**
     * The content store for pushes: the engine's, except that a blob only an imported cache
     * holds has a path that does not exist. A push finds such a blob in place (after
     * {@link #placeAt}) and never reads it.
     */
    public ContentStore pushView() {
        return new ContentStore() {
            @Override
            public boolean exists(Digest digest) {
                return content.exists(digest);
            }

            @Override
            public Optional<Long> size(Digest digest) {
                return content.size(digest);
            }

            @Override
            public InputStream open(Digest digest) throws IOException {
                return content.open(digest);
            }

            @Override
            public Path path(Digest digest) throws IOException {
                if (!content.exists(digest) && remote.fetcherOf(digest).isPresent()) {
                    return ABSENT.resolve(digest.hex());
                }
                return content.path(digest);
            }

            @Override
            public byte[] readAll(Digest digest) throws IOException {
                return content.readAll(digest);
            }

            @Override
            public Digest write(byte[] data) throws IOException {
                return content.write(data);
            }

            @Override
            public Writer writer() throws IOException {
                return content.writer();
            }

            @Override
            public void delete(Digest digest) throws IOException {
                content.delete(digest);
            }
        };
    }
}
