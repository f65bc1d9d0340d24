package dev.kiln.engine;

import dev.kiln.session.Session;
import dev.kiln.session.credentials.CredentialSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The session of a daemonless build: the client is this process, so directories are plain
 * paths, secrets come from files or variables the CLI read, ssh agents are sockets on this
 * machine ({@link SshAgents}), and credentials come from the user's docker config.
 */
public record LocalSession(String id, Map<String, Path> dirs, Map<String, byte[]> secrets, CredentialSource credentials,
                           Map<String, Path> sshAgents) implements Session {
    /** A session without ssh agents. */
    public LocalSession(String id, Map<String, Path> dirs, Map<String, byte[]> secrets, CredentialSource credentials) {
        this(id, dirs, secrets, credentials, Map.of());
    }

    public LocalSession {
        sshAgents = sshAgents == null ? Map.of() : Map.copyOf(sshAgents);
    }

    @Override
    public Optional<Path> sshAgentSocket(String id) {
        return Optional.ofNullable(sshAgents.get(id));
    }

    /** Never shows secret values. */
    @Override
    public String toString() {
        return "LocalSession[id=" + id + ", dirs=" + dirs + ", secrets=" + secrets.keySet() + ", sshAgents=" + sshAgents + "]";
    }

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
