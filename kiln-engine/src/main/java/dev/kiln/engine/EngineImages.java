package dev.kiln.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.dockerfile.convert.ImageMetaResolver;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.archive.NamedImage;
import dev.kiln.oci.archive.OciLayoutReader;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageReader;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.solver.JobContext;
import dev.kiln.worker.ImageSources;
import dev.kiln.worker.images.ImageStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the engine finds images: the local image store first, then OCI layouts given as
 * named contexts, then registries. Serves the frontend (metadata and pinned digests before
 * the build, through {@link #forBuild}) and the worker (content when a step needs the image's
 * layers).
 *
 * <p>Every registry access is made with the registry client of the build that needs it, which
 * asks that build's session for credentials: the engine {@link #bind}s a job's client before
 * it solves and {@link #unbind}s it after, so a pull for one user's build never uses another
 * user's login or tokens. One per engine; thread-safe.
 */
final class EngineImages implements ImageSources {
    private final ImageStore store;
    private final ContentStore content;
    private final RegistryClient registry;
    private final Map<String, RegistryClient> jobs = new ConcurrentHashMap<>();

    /** @param registry the engine's client; only used to derive per-session clients from it */
    EngineImages(ImageStore store, ContentStore content, RegistryClient registry) {
        this.store = store;
        this.content = content;
        this.registry = registry;
    }

    /** The frontend's resolver for one build: registries are asked through {@code buildRegistry}. */
    ImageMetaResolver forBuild(RegistryClient buildRegistry) {
        return new ImageMetaResolver() {
            @Override
            public BaseImage resolveImage(String reference, Platform platform) {
                return EngineImages.this.resolveImage(reference, platform, buildRegistry);
            }

            @Override
            public BaseImage resolveNamedContext(String name, String value, Platform platform) {
                return EngineImages.this.resolveNamedContext(name, value, platform, buildRegistry);
            }
        };
    }

    /** Makes {@code jobRegistry} the client the worker's pulls use for job {@code jobId}, until {@link #unbind}. */
    void bind(String jobId, RegistryClient jobRegistry) {
        jobs.put(jobId, jobRegistry);
    }

    void unbind(String jobId) {
        jobs.remove(jobId);
    }

    private ImageMetaResolver.BaseImage resolveImage(String reference, Platform platform, RegistryClient buildRegistry) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(reference);
        } catch (IllegalArgumentException e) {
            throw new KilnException("invalid image reference \"" + reference + "\": " + e.getMessage());
        }
        try {
            Optional<ImageStore.StoredImage> local = store.get(ref);
            if (local.isPresent()) {
                Descriptor d = local.get().descriptor();
                ResolvedImage img = new ImageReader(content).resolve(d, platform);
                return new ImageMetaResolver.BaseImage(identifier(ref, d.digest()), img.config());
            }
            if (ref.digest() != null && content.exists(Digest.parse(ref.digest()))) {
                ResolvedImage img = new ImageReader(content).resolve(descriptorOf(Digest.parse(ref.digest())), platform);
                return new ImageMetaResolver.BaseImage(identifier(ref, ref.digest()), img.config());
            }
        } catch (IOException e) {
            throw new KilnException("image " + ref.familiar() + " in the local store is damaged: " + e.getMessage(), e);
        }
        try {
            dev.kiln.registry.ResolvedImage remote = buildRegistry.resolve(ref, platform);
            dev.kiln.oci.image.ImageConfig config = ImageJson.read(remote.configBytes(), dev.kiln.oci.image.ImageConfig.class);
            return new ImageMetaResolver.BaseImage(identifier(ref, remote.root().digest()), config);
        } catch (KilnException e) {
            throw new KilnException("image \"" + reference + "\" is not in the local image store (kiln images), "
                    + "and pulling " + ref + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new KilnException("image " + ref + " has an invalid config: " + e.getMessage(), e);
        }
    }

    private static String identifier(ImageReference ref, String digest) {
        return "docker-image://" + ref.withDigest(null) + "@" + digest;
    }

    private ImageMetaResolver.BaseImage resolveNamedContext(String name, String value, Platform platform,
                                                            RegistryClient buildRegistry) {
        if (value.startsWith("docker-image://")) {
            return resolveImage(value.substring("docker-image://".length()), platform, buildRegistry);
        }
        if (value.startsWith("oci-layout://")) {
            String rest = value.substring("oci-layout://".length());
            Optional<String> selector = Optional.empty();
            int at = rest.lastIndexOf('@');
            int colon = rest.lastIndexOf(':');
            String path = rest;
            if (at > 0) {
                selector = Optional.of(rest.substring(at + 1));
                path = rest.substring(0, at);
            } else if (colon > 0 && colon > rest.lastIndexOf('/')) {
                selector = Optional.of(rest.substring(colon + 1));
                path = rest.substring(0, colon);
            }
            try {
                NamedImage img = new OciLayoutReader(content).readOne(Path.of(path), selector);
                ResolvedImage r = new ImageReader(content).resolve(img.manifest(), platform);
                return new ImageMetaResolver.BaseImage("oci-layout://" + Path.of(path).toAbsolutePath() + "@" + img.manifest().digest(),
                        r.config());
            } catch (IOException e) {
                throw new KilnException("build context " + name + "=" + value + ": " + e.getMessage(), e);
            }
        }
        throw new KilnException("build context " + name + "=" + value
                + ": only docker-image:// and oci-layout:// contexts are supported as images so far");
    }

    @Override
    public ResolvedImage resolve(ImageReference ref, Optional<Digest> pinned, Platform platform, JobContext job)
            throws IOException {
        if (pinned.isPresent() && content.exists(pinned.get())) {
            ResolvedImage img = new ImageReader(content).resolve(descriptorOf(pinned.get()), platform);
            if (img.manifest().layers().stream().allMatch(l -> content.exists(l.digestValue()))) {
                return img;
            }
        }
        ImageReference target = pinned.map(d -> ref.withDigest(d.toString())).orElse(ref);
        RegistryClient jobRegistry = jobs.get(job.id());
        if (jobRegistry == null) {
            // a job the engine did not bind: still only its own session's credentials, with tokens of its own
            try (RegistryClient own = registry.withCredentials(job.session().credentials())) {
                var result = own.pull(target, platform, content, new TransferListener() {});
                return new ImageReader(content).resolve(result.root(), platform);
            }
        }
        var result = jobRegistry.pull(target, platform, content, new TransferListener() {});
        return new ImageReader(content).resolve(result.root(), platform);
    }

    @Override
    public ResolvedImage resolveLayout(String layoutPath, Digest digest, Platform platform, JobContext job)
            throws IOException {
        if (!content.exists(digest)) {
            new OciLayoutReader(content).readOne(Path.of(layoutPath), Optional.of(digest.toString()));
        }
        return new ImageReader(content).resolve(descriptorOf(digest), platform);
    }

    /** A descriptor for a stored manifest or index, its media type read from the document. */
    private Descriptor descriptorOf(Digest d) throws IOException {
        byte[] bytes = content.readAll(d);
        JsonNode node = ImageJson.mapper().readTree(bytes);
        String mt = node.path("mediaType").asText("");
        if (mt.isEmpty()) {
            mt = node.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        return Descriptor.of(mt, d, bytes.length);
    }
}
