package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.common.Platform;
import dev.kiln.oci.ImageReference;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.solver.JobContext;
import java.io.IOException;

/**
 * Where images come from when a build needs one: the local image store, an OCI layout
 * directory given as a build context, or a registry. Implementations make sure the image's
 * manifest, config and layer blobs are in the content store and return them resolved for
 * the platform. The engine composes the concrete one; the worker only asks.
 */
public interface ImageSources {

    /**
     * Finds an image by reference (as written in the Dockerfile) for a platform, fetching it
     * into the content store when needed. With {@code pinned} present, that exact manifest or
     * index digest is used.
     */
    ResolvedImage resolve(ImageReference ref, java.util.Optional<Digest> pinned, Platform platform, JobContext job)
            throws IOException;

    /** Resolves a manifest or index digest found in an OCI layout directory. */
    ResolvedImage resolveLayout(String layoutPath, Digest digest, Platform platform, JobContext job) throws IOException;
}
