package dev.kiln.oci;

import dev.kiln.common.Digest;
import java.io.IOException;

/**
 * A blob a {@link ContentStore.Writer} refused to commit because its bytes do not have the
 * digest the caller expected. Nothing was stored under either digest. Callers that know where
 * the bytes came from (a registry, an archive) turn it into an error naming that source.
 */
public final class ContentMismatchException extends IOException {
    private final Digest expected;
    private final Digest actual;

    public ContentMismatchException(Digest expected, Digest actual) {
        super("digest mismatch: expected " + expected + ", got " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    /** The digest the caller said the bytes have. */
    public Digest expected() {
        return expected;
    }

    /** The digest the bytes really have. */
    public Digest actual() {
        return actual;
    }
}
