package dev.kiln.registry.errors;

import dev.kiln.common.Digest;

/**
 * Content from the registry does not hash to the digest that named it: a corrupt or
 * tampered blob or manifest. Nothing is stored under either digest.
 */
public final class DigestMismatchException extends RegistryException {
    private final Digest expected;
    private final Digest actual;

    public DigestMismatchException(String host, String what, Digest expected, Digest actual) {
        super(host, what + ": digest mismatch: expected " + expected + ", got " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }
}
