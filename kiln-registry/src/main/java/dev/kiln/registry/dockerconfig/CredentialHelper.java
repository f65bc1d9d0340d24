package dev.kiln.registry.dockerconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.KilnException;
import dev.kiln.session.credentials.Credentials;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One docker credential helper program, {@code docker-credential-NAME}, spoken to with
 * docker's protocol: {@code get} reads a server URL on stdin and prints
 * {@code {"ServerURL","Username","Secret"}}; {@code store} reads that JSON; {@code erase}
 * reads a server URL. "credentials not found" from {@code get} means no credentials.
 * Each call runs the program once; instances are immutable and thread-safe.
 */
public final class CredentialHelper {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 30;

    private final String name;
    private final Path executable;

    public CredentialHelper(String name, Path executable) {
        this.name = name;
        this.executable = executable;
    }

    /** Finds {@code docker-credential-NAME}; how is up to the locator. */
    @FunctionalInterface
    public interface Locator {
        Optional<Path> find(String helperName);

        /** Looks in the directories of {@code $PATH}, as docker does. */
        static Locator searchPath() {
            return helper -> {
                String path = System.getenv("PATH");
                if (path == null) {
                    return Optional.empty();
                }
                for (String dir : path.split(File.pathSeparator)) {
                    Path p = Path.of(dir.isEmpty() ? "." : dir, "docker-credential-" + helper);
                    if (Files.isExecutable(p)) {
                        return Optional.of(p);
                    }
                }
                return Optional.empty();
            };
        }

        /** Looks only in one directory (tests, or a pinned install). */
        static Locator directory(Path dir) {
            return helper -> {
                Path p = dir.resolve("docker-credential-" + helper);
                return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
            };
        }
    }

    public String name() {
        return name;
    }

    /** The credentials stored for a server URL, or empty when the helper has none. */
    public Optional<Credentials> get(String serverUrl) {
        Result r = run("get", serverUrl.getBytes(StandardCharsets.UTF_8));
        if (r.exit != 0) {
            if (r.output.toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
                return Optional.empty();
            }
            throw failure("get", r);
        }
        try {
            JsonNode node = JSON.readTree(r.output);
            String user = node.path("Username").asText("");
            String secret = node.path("Secret").asText("");
            if (user.isEmpty() && secret.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Credentials(user, secret, ""));
        } catch (IOException e) {
            throw new KilnException("credential helper " + executableName() + " printed invalid JSON for " + serverUrl, e);
        }
    }

    /** Stores credentials (an identity token is stored as user {@code <token>}, as docker does). */
    public void store(String serverUrl, Credentials credentials) {
        ObjectNode body = JSON.createObjectNode();
        body.put("ServerURL", serverUrl);
        if (credentials.hasIdentityToken()) {
            body.put("Username", Credentials.TOKEN_USERNAME).put("Secret", credentials.identityToken());
        } else {
            body.put("Username", credentials.username()).put("Secret", credentials.secret());
        }
        try {
            Result r = run("store", JSON.writeValueAsBytes(body));
            if (r.exit != 0) {
                throw failure("store", r);
            }
        } catch (IOException e) {
            throw new KilnException("cannot encode credentials for " + executableName(), e);
        }
    }

    /** Removes stored credentials; a helper that has none is not an error. */
    public void erase(String serverUrl) {
        Result r = run("erase", serverUrl.getBytes(StandardCharsets.UTF_8));
        if (r.exit != 0 && !r.output.toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
            throw failure("erase", r);
        }
    }

    private record Result(int exit, String output) {}

    private Result run(String action, byte[] stdin) {
        try {
            Process p = new ProcessBuilder(executable.toString(), action).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException exitedEarly) {
                // the helper did not read its input (it failed or needs none); its output says why
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KilnException("credential helper " + executableName() + " " + action + " did not finish in "
                        + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.strip());
        } catch (IOException e) {
            throw new KilnException("cannot run credential helper " + executable + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while running credential helper " + executableName(), e);
        }
    }

    private KilnException failure(String action, Result r) {
        return new KilnException("credential helper " + executableName() + " " + action + " failed (exit " + r.exit + "): "
                + r.output);
    }

    private String executableName() {
        return "docker-credential-" + name;
    }
}
