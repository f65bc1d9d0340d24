package dev.kiln.session.credentials;

import java.util.Optional;

/**
 * Where the engine asks for registry credentials. The client side of a session implements
 * it (the CLI reads the user's docker config; a daemon forwards the question over the
 * session stream), and the registry client calls it when a registry challenges a request.
 *
 * <p>Implementations are thread-safe and may be slow (a credential helper is a process),
 * so callers cache what they get for the life of one operation. A lookup never throws for
 * "no credentials": it returns {@link Optional#empty()} and the caller proceeds anonymously.
 */
@FunctionalInterface
public interface CredentialSource {

    /**
     * The credentials for a registry host as it appears in an image reference, e.g.
     * {@code docker.io}, {@code ghcr.io} or {@code 127.0.0.1:5000}.
     */
    Optional<Credentials> lookup(String registryHost);

    /** A source that never has credentials: every request is anonymous. */
    static CredentialSource anonymous() {
        return host -> Optional.empty();
    }
}
