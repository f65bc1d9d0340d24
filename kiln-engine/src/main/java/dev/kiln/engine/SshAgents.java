package dev.kiln.engine;

import dev.kiln.common.KilnException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ssh agents of one build ({@code --ssh}): for {@code --ssh ID} (no value) the client's
 * {@code SSH_AUTH_SOCK}; for {@code --ssh ID=SOCKET} that socket; for {@code --ssh ID=KEY[,KEY]} a
 * private {@code ssh-agent -D} started for this build on a socket in a fresh 0700 directory, with the
 * keys added by {@code ssh-add} (OpenSSH's client tools, which must be on PATH). The keys live only in
 * that agent's memory.
 *
 * <p>Used where the keys are: by the engine for a daemonless build, and by the remote client
 * ({@code kiln --addr … build --ssh …}), whose agents the daemon reaches over the session stream.
 *
 * <p>Lifecycle: {@link #start} before the build; {@link #close} after it kills the agents this class
 * started (by their process handles) and removes their directories.
 */
public final class SshAgents implements AutoCloseable {
    private final Map<String, Path> sockets;
    private final List<Process> agents;
    private final List<Path> dirs;

    private SshAgents(Map<String, Path> sockets, List<Process> agents, List<Path> dirs) {
        this.sockets = sockets;
        this.agents = agents;
        this.dirs = dirs;
    }

    /** Resolves or starts one agent per id; on a failure, stops the ones already started. */
    public static SshAgents start(Map<String, List<Path>> specs, Map<String, String> environment) throws InterruptedException {
        SshAgents out = new SshAgents(new LinkedHashMap<>(), new ArrayList<>(), new ArrayList<>());
        try {
            for (var e : specs.entrySet()) {
                out.sockets.put(e.getKey(), out.resolve(e.getKey(), e.getValue(), environment));
            }
            return out;
        } catch (RuntimeException | InterruptedException e) {
            out.close();
            throw e;
        }
    }

    /** The agent socket per ssh id. */
    public Map<String, Path> sockets() {
        return Map.copyOf(sockets);
    }

    private Path resolve(String id, List<Path> paths, Map<String, String> environment) throws InterruptedException {
        if (paths.isEmpty()) {
            String sock = environment.get("SSH_AUTH_SOCK");
            if (sock == null || sock.isEmpty()) {
                throw new KilnException("--ssh " + id + ": SSH_AUTH_SOCK is not set; start an ssh-agent or pass --ssh "
                        + id + "=KEYFILE");
            }
            return requireSocket(id, Path.of(sock));
        }
        if (paths.size() == 1 && isSocket(paths.getFirst())) {
            return paths.getFirst();
        }
        for (Path key : paths) {
            if (!Files.isReadable(key)) {
                throw new KilnException("--ssh " + id + ": cannot read key file " + key);
            }
        }
        return startAgent(id, paths);
    }

    private Path startAgent(String id, List<Path> keys) throws InterruptedException {
        try {
            Path dir = Files.createTempDirectory("kiln-ssh-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            dirs.add(dir);
            Path sock = dir.resolve("agent.sock");
            Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            agents.add(agent);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!isSocket(sock)) {
                if (!agent.isAlive() || System.nanoTime() > deadline) {
                    throw new KilnException("--ssh " + id + ": ssh-agent did not start");
                }
                Thread.sleep(20);
            }
            List<String> cmd = new ArrayList<>(List.of("ssh-add", "-q"));
            keys.forEach(k -> cmd.add(k.toAbsolutePath().toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("SSH_AUTH_SOCK", sock.toString());
            pb.environment().remove("DISPLAY");
            pb.environment().remove("SSH_ASKPASS");
            Process add = pb.start();
            String output = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!add.waitFor(30, TimeUnit.SECONDS) || add.exitValue() != 0) {
                add.destroyForcibly();
                throw new KilnException("--ssh " + id + ": ssh-add could not load " + keys
                        + (output.isEmpty() ? "" : ": " + output) + " (keys with a passphrase need --ssh " + id
                        + "=AGENT_SOCKET of an agent that holds them)");
            }
            return sock;
        } catch (IOException e) {
            throw new KilnException("--ssh " + id + ": cannot start ssh-agent (is openssh-client installed?): "
                    + e.getMessage(), e);
        }
    }

    private static Path requireSocket(String id, Path p) {
        if (!isSocket(p)) {
            throw new KilnException("--ssh " + id + ": " + p + " is not a socket");
        }
        return p;
    }

    private static boolean isSocket(Path p) {
        try {
            return Files.exists(p) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p)
                    && Files.readAttributes(p, "unix:mode").get("mode") instanceof Integer m && (m & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (Process p : agents) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (Path d : dirs) {
            try (var s = Files.walk(d)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException e) {
                // a temp dir left behind holds no key: the agent that held them is gone
            }
        }
    }
}
