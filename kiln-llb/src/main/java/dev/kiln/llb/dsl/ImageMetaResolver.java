package dev.kiln.llb.dsl;

import dev.kiln.common.Platform;

/**
 * Looks up an image before a graph is solved, as the Go {@code llb.ImageMetaResolver} does:
 * the digest its reference names now (so the graph pins exactly that image and the cache key
 * follows the image, not the tag) and the process defaults of its config (so a
 * {@code run} on {@code State.image("app:1")} gets the image's {@code PATH}, working directory
 * and user). {@link State#marshal(ImageMetaResolver, Platform)} and
 * {@link State#image(String, ImageMetaResolver)} call it; a client library implements it over
 * its engine or daemon. Implementations may be called from one thread at a time per marshal.
 */
public interface ImageMetaResolver {

    /**
     * A resolved image.
     *
     * @param reference the reference pinned to the manifest it resolved to
     *                  ({@code NAME[:TAG]@sha256:…}); it becomes the source op's identifier
     * @param config    the environment, working directory and user of the image's config
     */
    record Resolved(String reference, ProcessDefaults config) {
        public Resolved {
            if (reference == null || reference.isBlank() || reference.contains("://")) {
                throw new IllegalArgumentException("not an image reference: \"" + reference + "\"");
            }
            java.util.Objects.requireNonNull(config, "config");
        }
    }

    /**
     * Resolves {@code reference} ({@code busybox:latest}, {@code host:5000/app@sha256:…}) for
     * {@code platform}.
     *
     * @throws dev.kiln.common.KilnException when the image cannot be found
     */
    Resolved resolveImage(String reference, Platform platform);
}
