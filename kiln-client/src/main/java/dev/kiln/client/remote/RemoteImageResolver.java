package dev.kiln.client.remote;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.daemon.api.ResolveRequest;
import dev.kiln.daemon.api.ResolveResponse;
import dev.kiln.oci.image.ImageConfig;
import dev.kiln.oci.image.ImageJson;
import java.io.IOException;

/**
 * kilnd's Resolve call for the client library: what an image reference names in the daemon's
 * image store or registries now, and the image's config, before a graph is built (BuildKit's
 * ResolveImageConfig). Each call opens and closes its own connection. Stateless.
 */
public final class RemoteImageResolver {
    private RemoteImageResolver() {}

    /**
     * An image as kilnd resolved it.
     *
     * @param pinnedReference {@code NAME[:TAG]@sha256:…}
     * @param config          the image config for the requested platform
     */
    public record Resolution(String pinnedReference, ImageConfig config) {}

    /**
     * Resolves {@code reference} for {@code platform} through the daemon at {@code target}.
     *
     * @throws KilnException when the daemon cannot find the image or cannot be reached
     */
    public static Resolution resolve(DaemonTarget target, String reference, Platform platform) {
        ResolveResponse r = DaemonCalls.control(target, s -> s.resolve(ResolveRequest.newBuilder()
                .setReference(reference).setPlatform(platform.toString()).build()));
        try {
            return new Resolution(r.getPinnedReference(), ImageJson.read(r.getImageConfig().toByteArray(),
                    ImageConfig.class));
        } catch (IOException e) {
            throw new KilnException("kilnd sent an invalid image config for " + reference + ": " + e.getMessage(), e);
        }
    }
}
