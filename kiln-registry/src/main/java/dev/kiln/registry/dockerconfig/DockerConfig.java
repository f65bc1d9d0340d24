package dev.kiln.registry.dockerconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.KilnException;
import dev.kiln.session.credentials.CredentialSource;
import dev.kiln.session.credentials.Credentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The user's docker client configuration, {@code $DOCKER_CONFIG/config.json} (default
 * {@code ~/.docker/config.json}), as a {@link CredentialSource}, and {@code login}/{@code logout}
 * that write it the way docker does.
 *
 * <p>Lookup order for a host: {@code credHelpers[host]}, then {@code credsStore}, then
 * {@code auths} ({@code auth} = base64 of {@code user:password}, or {@code identitytoken}).
 * Keys of {@code auths} may carry a scheme and path ({@code https://host/v1/}); Docker Hub is
 * stored under {@code https://index.docker.io/v1/} and found as {@code docker.io},
 * {@code index.docker.io} or {@code registry-1.docker.io}.
 *
 * <p>The file is read on every lookup (it is small, and {@code kiln login} may have changed
 * it). Writes keep every other key of the file, go to a temporary file with mode 0600 that is
 * renamed over the old one, and go through the helper when one is configured for the host.
 * Concurrent writers from different processes are not locked against each other (docker does
 * not lock either); the last rename wins.
 */
public final class DockerConfig implements CredentialSource {
    /** The key docker uses for Docker Hub. */
    public static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final CredentialHelper.Locator helpers;

    public DockerConfig(Path file, CredentialHelper.Locator helpers) {
        this.file = file;
        this.helpers = helpers;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}; helpers from {@code $PATH}. */
    public static DockerConfig fromEnvironment() {
        String dir = System.getenv("DOCKER_CONFIG");
        Path base = dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".docker");
        return new DockerConfig(base.resolve("config.json"), CredentialHelper.Locator.searchPath());
    }

    public Path file() {
        return file;
    }

    /** The key docker stores a registry host under: {@link #DOCKER_HUB_SERVER} for Docker Hub, else the host. */
    public static String serverKey(String host) {
        return isDockerHub(host) ? DOCKER_HUB_SERVER : host;
    }

    @Override
    public Optional<Credentials> lookup(String registryHost) {
        ObjectNode root = read();
        Optional<CredentialHelper> helper = helperFor(root, registryHost);
        if (helper.isPresent()) {
            Optional<Credentials> fromHelper = helper.get().get(serverKey(registryHost));
            if (fromHelper.isPresent()) {
                return fromHelper;
            }
        }
        JsonNode auths = root.path("auths");
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (sameHost(e.getKey(), registryHost)) {
                Optional<Credentials> c = decode(e.getKey(), e.getValue());
                if (c.isPresent()) {
                    return c;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Saves credentials for a host (call after the registry accepted them). Through the
     * host's credential helper or the {@code credsStore} when configured, else into
     * {@code auths}.
     */
    public void login(String registryHost, Credentials credentials) {
        ObjectNode root = read();
        Optional<CredentialHelper> helper = helperFor(root, registryHost);
        ObjectNode auths = root.has("auths") && root.get("auths").isObject() ? (ObjectNode) root.get("auths") : root.putObject("auths");
        removeHostKeys(auths, registryHost);
        if (helper.isPresent()) {
            helper.get().store(serverKey(registryHost), credentials);
        } else {
            ObjectNode entry = auths.putObject(serverKey(registryHost));
            if (credentials.hasIdentityToken()) {
                entry.put("auth", base64(credentials.username() + ":"));
                entry.put("identitytoken", credentials.identityToken());
            } else {
                entry.put("auth", base64(credentials.username() + ":" + credentials.secret()));
            }
        }
        write(root);
    }

    /** Forgets credentials for a host; returns false when none were stored. */
    public boolean logout(String registryHost) {
        ObjectNode root = read();
        boolean removed = false;
        Optional<CredentialHelper> helper = helperFor(root, registryHost);
        if (helper.isPresent()) {
            removed = helper.get().get(serverKey(registryHost)).isPresent();
            helper.get().erase(serverKey(registryHost));
        }
        if (root.get("auths") instanceof ObjectNode auths) {
            removed |= removeHostKeys(auths, registryHost);
        }
        if (removed) {
            write(root);
        }
        return removed;
    }

    private Optional<CredentialHelper> helperFor(ObjectNode root, String host) {
        String name = null;
        JsonNode perHost = root.path("credHelpers");
        for (Iterator<Map.Entry<String, JsonNode>> it = perHost.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (sameHost(e.getKey(), host) && !e.getValue().asText("").isEmpty()) {
                name = e.getValue().asText();
            }
        }
        if (name == null && !root.path("credsStore").asText("").isEmpty()) {
            name = root.path("credsStore").asText();
        }
        if (name == null) {
            return Optional.empty();
        }
        String helperName = name;
        Path exe = helpers.find(helperName).orElseThrow(() -> new KilnException("credential helper docker-credential-"
                + helperName + " (configured in " + file + " for " + host + ") is not installed"));
        return Optional.of(new CredentialHelper(helperName, exe));
    }

    private boolean removeHostKeys(ObjectNode auths, String host) {
        List<String> keys = new ArrayList<>();
        auths.fieldNames().forEachRemaining(k -> {
            if (sameHost(k, host)) {
                keys.add(k);
            }
        });
        keys.forEach(auths::remove);
        return !keys.isEmpty();
    }

    private Optional<Credentials> decode(String key, JsonNode entry) {
        String identityToken = entry.path("identitytoken").asText("");
        String auth = entry.path("auth").asText("");
        String user = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new KilnException(file + ": auths[\"" + key + "\"].auth is not valid base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new KilnException(file + ": auths[\"" + key + "\"].auth is not base64 of user:password");
            }
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (user.isEmpty() && password.isEmpty() && identityToken.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(user, password, identityToken));
    }

    /** Whether a config key ({@code host}, {@code https://host/v1/}, …) names the registry host. */
    static boolean sameHost(String key, String host) {
        String k = key;
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        if (isDockerHub(host)) {
            return isDockerHub(k);
        }
        return k.equals(host);
    }

    private static boolean isDockerHub(String host) {
        return host.equals("docker.io") || host.equals("index.docker.io") || host.equals("registry-1.docker.io");
    }

    private ObjectNode read() {
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(file));
            if (node == null || node.isMissingNode()) {
                return JSON.createObjectNode();
            }
            if (!node.isObject()) {
                throw new KilnException(file + " is not a JSON object");
            }
            return (ObjectNode) node;
        } catch (NoSuchFileException e) {
            return JSON.createObjectNode();
        } catch (IOException e) {
            throw new KilnException("cannot read docker config " + file + ": " + e.getMessage(), e);
        }
    }

    private void write(ObjectNode root) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve(file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException ignored) {
                // a symlink to a directory
            }
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, JSON.writeValueAsBytes(root));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
            throw new KilnException("cannot write docker config " + file + ": " + e.getMessage(), e);
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
