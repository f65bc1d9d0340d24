package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.ImageReference;
import dev.kiln.registry.PullResult;
import dev.kiln.registry.PushResult;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.TransferListener;
import dev.kiln.registry.dockerconfig.DockerConfig;
import dev.kiln.session.credentials.Credentials;
import dev.kiln.worker.images.ImageStore;

/**
 * The image operations a user runs besides builds: pull into the local store, push from it,
 * tag, remove, and log in to / out of registries (credentials go to the user's own docker
 * config, never to the state dir). A view over the engine's parts; cheap to create.
 */
public final class EngineRegistry {
    private final RegistryClient registry;
    private final ImageStore images;
    private final ContentStore content;

    EngineRegistry(RegistryClient registry, ImageStore images, ContentStore content) {
        this.registry = registry;
        this.images = images;
        this.content = content;
    }

    /** Pulls {@code ref} for {@code platform} and names it in the local store. */
    public PullResult pull(ImageReference ref, Platform platform, TransferListener listener) {
        PullResult r = registry.pull(ref, platform, content, listener);
        images.tag(ref.withDigest(null), r.root());
        return r;
    }

    /** Pushes the stored image {@code source} (default: {@code target} itself) to {@code target}. */
    public PushResult push(ImageReference target, ImageReference source, TransferListener listener) {
        Descriptor d = images.get(source).orElseThrow(() -> new KilnException(
                "An image does not exist locally with the tag: " + source.familiar())).descriptor();
        return registry.push(target, d, content, listener);
    }

    /** Pushes a manifest already in the content store (a build's result) to {@code target}. */
    public PushResult push(ImageReference target, Descriptor manifest, TransferListener listener) {
        return registry.push(target, manifest, content, listener);
    }

    public void tag(ImageReference source, ImageReference target) {
        Descriptor d = images.get(source).orElseThrow(() -> new KilnException("No such image: " + source.familiar()))
                .descriptor();
        images.tag(target, d);
    }

    /** Removes a name from the store; blobs stay until pruned. */
    public void remove(ImageReference ref) {
        if (!images.remove(ref)) {
            throw new KilnException("No such image: " + ref.familiar());
        }
    }

    /** Checks the credentials against the registry, then saves them in the user's docker config. */
    public void login(String host, Credentials credentials, DockerConfig config) {
        registry.checkLogin(host, credentials);
        config.login(host, credentials);
    }

    public ImageStore.StoredImage stored(ImageReference ref) {
        return images.get(ref).orElseThrow(() -> new KilnException("No such image: " + ref.familiar()));
    }
}
