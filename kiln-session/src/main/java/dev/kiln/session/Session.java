package dev.kiln.session;

import dev.kiln.session.credentials.CredentialSource;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a build may ask of the client that started it: the directories it offers (the build
 * context under {@code context}, named contexts, the Dockerfile's directory), secrets and
 * registry credentials. Daemonless, the client is in the same process and these are plain
 * look-ups; through the daemon they travel over the session stream, so secrets and
 * credentials stay on the client and are never written to the state dir.
 *
 * <p>A session lives as long as one build; implementations are thread-safe.
 */
public interface Session {

    /** A stable id of the client-side context, used to recognise repeated builds of one dir. */
    String id();

    /**
     * The directory the client offers under {@code name}. Which files of it a build reads is
     * said by the local source op's include/exclude patterns (the .dockerignore rules).
     *
     * @throws IllegalArgumentException when the client offers no such directory
     */
    Path localDir(String name);

    /** The secret with this id ({@code --secret id=…}), or empty when the client has none. */
    Optional<byte[]> secret(String id);

    /**
     * The client's ssh-agent socket for {@code id} ({@code --ssh ID=…}, {@code "default"} for
     * {@code --ssh default}), for {@code RUN --mount=type=ssh}; empty when the client offers none.
     * The socket speaks the ssh-agent protocol and lives as long as the session.
     */
    default Optional<Path> sshAgentSocket(String id) {
        return Optional.empty();
    }

    /** Registry credentials, looked up on the client. */
    CredentialSource credentials();
}
