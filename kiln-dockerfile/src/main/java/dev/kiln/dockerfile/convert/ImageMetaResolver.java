package dev.kiln.dockerfile.convert;

import dev.kiln.common.Platform;
import dev.kiln.oci.image.ImageConfig;

/**
 * Looks up the images a Dockerfile names, before anything runs: the frontend needs a base
 * image's config (its ENV, USER, WORKDIR…) to convert the stage, and pins the image's digest
 * into the LLB so the cache key follows the image, not the tag. The engine implements it over
 * the local image store, named contexts and registries.
 */
public interface ImageMetaResolver {

    /** A resolved base: the LLB source identifier to use and the image's config. */
    record BaseImage(String sourceIdentifier, ImageConfig config) {}

    /**
     * Resolves an image reference as written after FROM or in {@code --from} (already
     * expanded), for a platform.
     *
     * @throws dev.kiln.common.KilnException when the image cannot be found
     */
    BaseImage resolveImage(String reference, Platform platform);

    /**
     * Resolves a named build context value ({@code oci-layout://PATH[:TAG|@DIGEST]},
     * {@code docker-image://REF}) to a base image.
     */
    BaseImage resolveNamedContext(String name, String value, Platform platform);
}
