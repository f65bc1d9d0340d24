package dev.kiln.registry;

import dev.kiln.common.Digest;
import dev.kiln.common.Platform;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.auth.Authenticator;
import dev.kiln.registry.errors.AccessDeniedException;
import dev.kiln.registry.errors.DigestMismatchException;
import dev.kiln.registry.errors.MalformedManifestException;
import dev.kiln.registry.errors.ManifestNotFoundException;
import dev.kiln.registry.errors.RegistryException;
import dev.kiln.registry.errors.RegistryUnreachableException;
import dev.kiln.registry.manifest.InvalidManifestException;
import dev.kiln.registry.manifest.ManifestContent;
import dev.kiln.registry.manifest.PlatformMatcher;
import dev.kiln.registry.transport.HttpClients;
import dev.kiln.registry.transport.RegistryHosts;
import dev.kiln.registry.transport.RegistryRequest;
import dev.kiln.registry.transport.RegistryResponse;
import dev.kiln.registry.transport.RegistryTransport;
import dev.kiln.registry.transport.RequestObserver;
import dev.kiln.registry.transport.RetryPolicy;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Kiln's client of the OCI distribution spec: resolves, pulls and pushes images and blobs.
 *
 * <p>One per engine, shared by every build: it is thread-safe and keeps, for its lifetime,
 * per-host HTTP clients, the scheme each loopback/insecure host speaks, cached bearer tokens
 * and the repositories it saw each blob in (used for cross-repository mounts). Close it when
 * the engine stops.
 *
 * <p>Pulls store blobs in a {@link ContentStore} in dependency order (layers and config,
 * then the manifest, then the index), each verified against its digest, so a store never
 * holds a manifest whose blobs are missing. Pushes upload blobs first and the manifest last.
 * Layers move in parallel on virtual threads. Errors are {@link RegistryException}s with
 * complete messages.
 */
public final class RegistryClient implements AutoCloseable {
    /** Manifests and configs larger than this are refused (containerd's limit). */
    static final int MAX_MANIFEST_BYTES = 4 << 20;
    static final int MAX_CONFIG_BYTES = 32 << 20;
    private static final int DEFAULT_PARALLELISM = 4;

    private final RegistryHosts hosts;
    private final HttpClients clients;
    private final RegistryTransport transport;
    private final RetryPolicy retry;
    private final BlobSources sources;
    private final int parallelism;
    private final boolean ownsClients;
    private final TransferTotals totals;

    public RegistryClient(RegistryHosts hosts, CredentialSource credentials) {
        this(hosts, credentials, RetryPolicy.DEFAULT, DEFAULT_PARALLELISM);
    }

    /**
     * @param parallelism how many blobs of one image move at once
     */
    public RegistryClient(RegistryHosts hosts, CredentialSource credentials, RetryPolicy retry, int parallelism) {
        this(hosts, new HttpClients(hosts), new BlobSources(), new TransferTotals(), credentials, retry, parallelism, true);
    }

    private RegistryClient(RegistryHosts hosts, HttpClients clients, BlobSources sources, TransferTotals totals,
            CredentialSource credentials, RetryPolicy retry, int parallelism, boolean ownsClients) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1");
        }
        this.hosts = hosts;
        this.clients = clients;
        this.retry = retry;
        this.parallelism = parallelism;
        this.sources = sources;
        this.ownsClients = ownsClients;
        this.totals = totals;
        Authenticator auth = new Authenticator(credentials, clients::forUri, Clock.systemUTC());
        this.transport = new RegistryTransport(hosts, clients, auth, retry);
    }

    /**
     * A client that shares this one's HTTP connections and knowledge of where blobs live, but
     * asks {@code credentials} and keeps its own tokens: one per build session when a daemon
     * serves several users. Closing it does not close this client.
     */
    public RegistryClient withCredentials(CredentialSource credentials) {
        return new RegistryClient(hosts, clients, sources, totals, credentials, retry, parallelism, false);
    }

    /** The bytes this client and its {@link #withCredentials views} pulled and pushed so far. */
    public TransferTotals totals() {
        return totals;
    }

    /** A manifest or index exactly as the registry served it, with its verified descriptor. */
    public record FetchedManifest(Descriptor descriptor, byte[] bytes) {}

    /**
     * Resolves a reference for a platform: fetches its manifest (or index, then the
     * platform's manifest from it) and the config. Nothing is stored.
     *
     * @throws ManifestNotFoundException when the tag or digest is unknown
     * @throws MalformedManifestException when a manifest cannot be read, or an index has no
     *                                    manifest for the platform
     */
    public ResolvedImage resolve(ImageReference ref, Platform platform) {
        return resolve(ref, platform, RequestObserver.NONE);
    }

    /**
     * Tries the registry's pull mirrors in order, then the registry itself. A mirror that is
     * unreachable, denies access, lacks the manifest or answers with an error is skipped; errors
     * from the registry itself propagate. The same repository path is asked of each mirror, with
     * the mirror's own credentials and tokens (the mirror is a registry host of its own).
     */
    ResolvedImage resolve(ImageReference ref, Platform platform, RequestObserver observer) {
        for (String mirror : hosts.mirrors(ref.registry())) {
            ImageReference viaMirror = new ImageReference(mirror, ref.repository(), ref.tag(), ref.digest());
            try {
                return resolveAt(ref, viaMirror, platform, observer);
            } catch (RegistryException skipped) {
                if (Thread.currentThread().isInterrupted()) {
                    throw skipped;
                }
                // try the next mirror, then the registry itself
            }
        }
        return resolveAt(ref, ref, platform, observer);
    }

    private ResolvedImage resolveAt(ImageReference wanted, ImageReference ref, Platform platform, RequestObserver observer) {
        FetchedManifest top = fetchManifest(ref, observer);
        ManifestContent content = parse(ref, top);
        Optional<Descriptor> index = Optional.empty();
        byte[] indexBytes = new byte[0];
        FetchedManifest manifest = top;
        if (content instanceof ManifestContent.Index idx) {
            Descriptor chosen = PlatformMatcher.select(idx.manifests(), platform).orElseThrow(() ->
                    new MalformedManifestException(ref.registry(), ref.toString(), "no manifest for platform " + platform
                            + " in the index (it has " + PlatformMatcher.describe(idx.manifests()) + ")"));
            index = Optional.of(top.descriptor());
            indexBytes = top.bytes();
            manifest = fetchManifest(ref.withDigest(chosen.digest()), observer);
            content = parse(ref, manifest);
            if (!(content instanceof ManifestContent.Image)) {
                throw new MalformedManifestException(ref.registry(), ref.toString(),
                        "index entry " + chosen.digest() + " is itself an index");
            }
        }
        ManifestContent.Image image = (ManifestContent.Image) content;
        byte[] config = fetchSmallBlob(ref, image.config(), MAX_CONFIG_BYTES, observer);
        return new ResolvedImage(wanted, ref, index, indexBytes, manifest.descriptor(), manifest.bytes(), image.config(), config,
                image.layers());
    }

    /**
     * Pulls an image for a platform into {@code store}: the index (if the reference names one)
     * and the platform's manifest, config and layers. Blobs already in the store are not
     * downloaded again. The registry's mirrors are tried first (see {@link #resolve}); when a
     * mirror serves the manifest but then fails on a blob, the pull starts over from the
     * registry itself.
     */
    public PullResult pull(ImageReference ref, Platform platform, ContentStore store, TransferListener observed) {
        TransferListener listener = totals.counting(observed);
        ResolvedImage image = resolve(ref, platform, listener);
        try {
            return new ImagePuller(transport, sources, retry, parallelism).pull(image, store, listener);
        } catch (RegistryException e) {
            if (image.source().equals(ref) || Thread.currentThread().isInterrupted()) {
                throw e;
            }
            // the mirror served the manifest but failed on a blob: fetch from the registry itself (what the mirror
            // did deliver stays in the store and is not downloaded again)
            ResolvedImage direct = resolveAt(ref, ref, platform, listener);
            return new ImagePuller(transport, sources, retry, parallelism).pull(direct, store, listener);
        }
    }

    /**
     * Pushes the image or index {@code root} (and everything it references, which must be in
     * {@code store}) to {@code ref}: blobs first (skipping those the registry has, mounting
     * those another repository of the registry has), the manifest last with its exact media
     * type. For an index, each child manifest is pushed by digest before the index.
     */
    public PushResult push(ImageReference ref, Descriptor root, ContentStore store, TransferListener listener) {
        return push(ref, root, store, listener, PushOptions.defaults());
    }

    public PushResult push(ImageReference ref, Descriptor root, ContentStore store, TransferListener listener,
            PushOptions options) {
        return new ImagePusher(transport, sources, parallelism, options).push(ref, root, store, totals.counting(listener));
    }

    /**
     * Pushes one blob from the store to the repository of {@code repo}: nothing when the
     * registry has it, a cross-repository mount when {@code options} or this client's history
     * name a repository of the same registry that holds it, else an upload.
     */
    public TransferListener.Outcome pushBlob(ImageReference repo, Descriptor blob, ContentStore store,
            TransferListener listener, PushOptions options) {
        return new ImagePusher(transport, sources, parallelism, options).pushOne(repo, blob, store, totals.counting(listener));
    }

    /**
     * Puts a manifest or index as given (its blobs must already be in the repository) under
     * the reference's tag, or its digest when the reference has no tag, with
     * {@code manifest.mediaType()} as its content type. Returns its digest.
     */
    public Digest pushManifest(ImageReference ref, Descriptor manifest, byte[] bytes, TransferListener listener) {
        return new ImagePusher(transport, sources, parallelism, PushOptions.defaults()).putManifest(ref, manifest, bytes, totals.counting(listener));
    }

    /** Whether the repository of {@code repo} holds the blob ({@code HEAD} on it). */
    public boolean hasBlob(ImageReference repo, Digest digest) {
        RegistryRequest head = RegistryRequest.of("HEAD", repo.registry(), RegistryPaths.blob(repo.repository(), digest),
                List.of(RegistryPaths.pullScope(repo.repository())));
        try (RegistryResponse r = transport.send(head, RequestObserver.NONE)) {
            return switch (r.status()) {
                case 200 -> true;
                case 404 -> false;
                default -> throw new RegistryException(repo.registry(), "HEAD of blob " + digest + " in " + repo.name()
                        + " answered " + r.status());
            };
        }
    }

    /**
     * Downloads one blob into the store (verified), unless the store has it already.
     * Returns true when bytes were downloaded.
     */
    public boolean fetchBlob(ImageReference repo, Descriptor blob, ContentStore store, TransferListener listener) {
        return new ImagePuller(transport, sources, retry, parallelism).fetchBlob(repo, blob, store, totals.counting(listener));
    }

    /**
     * Fetches a manifest or index by tag or digest, asking for every OCI and Docker type, and
     * verifies it against the reference's digest or the registry's
     * {@code Docker-Content-Digest}.
     */
    public FetchedManifest fetchManifest(ImageReference ref) {
        return fetchManifest(ref, RequestObserver.NONE);
    }

    FetchedManifest fetchManifest(ImageReference ref, RequestObserver observer) {
        RegistryRequest get = RegistryRequest.of("GET", ref.registry(), RegistryPaths.manifest(ref),
                        List.of(RegistryPaths.pullScope(ref.repository())))
                .header("Accept", RegistryPaths.MANIFEST_ACCEPT);
        try (RegistryResponse r = transport.send(get, observer)) {
            if (r.status() == 404) {
                throw new ManifestNotFoundException(ref.registry(), ref.name(), ref.digest() != null ? ref.digest() : ref.tag());
            }
            if (r.status() != 200) {
                throw new RegistryException(ref.registry(), ref + ": fetching the manifest answered " + r.status() + ": "
                        + r.errorDetail());
            }
            byte[] bytes;
            try (InputStream in = r.body()) {
                bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            } catch (IOException e) {
                throw new RegistryException(ref.registry(), ref + ": reading the manifest failed: " + e.getMessage(), e);
            }
            if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new MalformedManifestException(ref.registry(), ref.toString(), "larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            Digest actual = Digest.sha256(bytes);
            Optional<Digest> expected = Optional.ofNullable(ref.digest()).map(Digest::parse)
                    .or(() -> r.header("Docker-Content-Digest").filter(h -> h.startsWith("sha256:")).map(Digest::parse));
            if (expected.isPresent() && !expected.get().equals(actual)) {
                throw new DigestMismatchException(ref.registry(), ref + " manifest", expected.get(), actual);
            }
            String mediaType = mediaTypeOf(bytes, r.header("Content-Type").orElse(""));
            return new FetchedManifest(Descriptor.of(mediaType, actual, bytes.length), bytes);
        }
    }

    /**
     * Checks that {@code credentials} are accepted by {@code host} ({@code GET /v2/}, answering
     * its challenge with them) without touching this client's caches; for {@code kiln login}.
     *
     * @throws AccessDeniedException when the registry or its token server rejects them
     */
    public void checkLogin(String host, Credentials credentials) {
        Authenticator auth = new Authenticator(h -> Optional.of(credentials), clients::forUri, Clock.systemUTC());
        RegistryTransport probe = new RegistryTransport(hosts, clients, auth, retry);
        try (RegistryResponse r = probe.send(RegistryRequest.of("GET", host, "/v2/", List.of()), RequestObserver.NONE)) {
            if (r.status() != 200) {
                throw new RegistryException(host, host + " does not look like a registry: GET /v2/ answered " + r.status());
            }
        }
    }

    private static String mediaTypeOf(byte[] bytes, String contentType) {
        try {
            return ManifestContent.parse(bytes, contentType).mediaType();
        } catch (InvalidManifestException e) {
            return contentType.split(";")[0].trim();
        }
    }

    private static ManifestContent parse(ImageReference ref, FetchedManifest m) {
        try {
            return ManifestContent.parse(m.bytes(), m.descriptor().mediaType());
        } catch (InvalidManifestException e) {
            throw new MalformedManifestException(ref.registry(), ref.toString(), e.getMessage());
        }
    }

    private byte[] fetchSmallBlob(ImageReference ref, Descriptor blob, int limit, RequestObserver observer) {
        if (blob.size() > limit) {
            throw new MalformedManifestException(ref.registry(), ref.toString(), "config " + blob.digest() + " is "
                    + blob.size() + " bytes, more than " + limit);
        }
        return new ImagePuller(transport, sources, retry, parallelism).readBlob(ref, blob, observer);
    }

    @Override
    public void close() {
        if (ownsClients) {
            clients.close();
        }
    }
}
