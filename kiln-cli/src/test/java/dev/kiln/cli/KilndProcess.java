package dev.kiln.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real {@code ./kilnd} started by a test over a temp state dir, with its log collected, and
 * {@code ./kiln} commands run against it with a chosen environment. Integration tests only;
 * the test ends the daemon by its PID.
 */
final class KilndProcess implements AutoCloseable {
    final Process process;
    private final StringBuffer log = new StringBuffer();

    private KilndProcess(Process process) {
        this.process = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.append(line).append('\n');
                }
            } catch (IOException e) {
                // the daemon ended
            }
        });
    }

    /** Starts {@code ./kilnd ARGS} and waits until it says it is ready (or fails the test after 60 s). */
    static KilndProcess start(List<String> args) throws Exception {
        KilndProcess k = launch(args);
        k.awaitLog(s -> s.contains("kilnd: ready"), 60);
        return k;
    }

    /** Starts {@code ./kilnd ARGS} without waiting. */
    static KilndProcess launch(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(KilnRunner.repoRoot().resolve("kilnd").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return new KilndProcess(pb.start());
    }

    String log() {
        return log.toString();
    }

    void awaitLog(Predicate<String> p, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!p.test(log())) {
            if (!process.isAlive() && !p.test(log())) {
                Thread.sleep(200);
                if (p.test(log())) {
                    return;
                }
                throw new IllegalStateException("kilnd exited with " + process.exitValue() + ":\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("kilnd did not get there in " + seconds + " s:\n" + log());
            }
            Thread.sleep(100);
        }
    }

    /** Sends a signal (TERM, KILL, INT) to the daemon's JVM. */
    void signal(String sig) throws Exception {
        KilndProcess.signal(process.pid(), sig);
    }

    static void signal(long pid, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Runs {@code ./kiln ARGS} with {@code env} added to the environment. */
    static KilnRunner.Run kiln(java.util.Map<String, String> env, List<String> args) throws Exception {
        return KilnRunner.finish(startKiln(env, args));
    }

    static Process startKiln(java.util.Map<String, String> env, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(KilnRunner.repoRoot().resolve("kiln").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KILN_ROOT");
        pb.environment().remove("KILN_HOST");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** SIGTERM, then SIGKILL if it does not stop within 60 s. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            signal("TERM");
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static Path socket(Path dir) {
        return dir.resolve("kilnd.sock");
    }
}
