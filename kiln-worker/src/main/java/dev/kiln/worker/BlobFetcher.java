package dev.kiln.worker;

import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import java.io.IOException;

/**
 * Where the blobs of an imported cache can be fetched from: a registry repository or an OCI
 * layout directory. Implemented by the cache importers of kiln-export; the worker calls it
 * only when an imported result must become a real snapshot (a step runs on it, or it is
 * exported as files).
 *
 * <p>Thread-safe: blobs of one chain are fetched in parallel.
 */
public interface BlobFetcher {

    /** Puts {@code blob} into {@code store}, verified against its digest; nothing when it is there. */
    void fetch(Descriptor blob, ContentStore store) throws IOException;

    /** Where the blobs come from, for messages ({@code registry host/repo}, {@code dir PATH}). */
    String describe();
}
