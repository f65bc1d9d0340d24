package dev.kiln.registry;

import dev.kiln.oci.Descriptor;
import dev.kiln.registry.transport.RequestObserver;
import java.net.URI;

/**
 * Hears what a pull or push does, blob by blob and request by request: for progress
 * display, and for tests that check what went over the wire. Called from several virtual
 * threads at once when layers move in parallel, so implementations must be thread-safe and
 * quick. Every method has an empty default.
 */
public interface TransferListener extends RequestObserver {

    /** Which way content moves. */
    enum Direction { PULL, PUSH }

    /** How a blob ended up where it was needed. */
    enum Outcome {
        /** Its bytes went over the wire. */
        TRANSFERRED,
        /** The destination already had it (local store on pull, registry on push). */
        ALREADY_PRESENT,
        /** The registry linked it from another repository (cross-repository mount). */
        MOUNTED
    }

    /** A blob (layer, config, manifest) is about to be checked or transferred. */
    default void started(Descriptor blob, Direction direction) { }

    /** {@code bytesSoFar} of the blob have been transferred. */
    default void progressed(Descriptor blob, long bytesSoFar) { }

    /** The blob is done. */
    default void finished(Descriptor blob, Direction direction, Outcome outcome) { }

    @Override
    default void exchanged(String method, URI uri, int status) { }

    /** A listener that ignores everything. */
    static TransferListener none() {
        return new TransferListener() { };
    }
}
