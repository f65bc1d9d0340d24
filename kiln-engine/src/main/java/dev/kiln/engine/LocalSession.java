package dev.kiln.engine;

import dev.kiln.session.Session;
import dev.kiln.session.credentials.CredentialSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The session of a daemonless build: the client is this process, so directories are plain
 * paths, secrets come from files or variables the CLI read, and credentials from the user's
 * docker config.
 */
public record LocalSession(String id, Map<String, Path> dirs, Map<String, byte[]> secrets, CredentialSource credentials)
        implements Session {
    @Override
    public Path localDir(String name) {
        Path p = dirs.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no local directory \"" + name + "\" in this session");
        }
        return p;
    }

    @Override
    public Optional<byte[]> secret(String id) {
        return Optional.ofNullable(secrets.get(id)).map(byte[]::clone);
    }
}
