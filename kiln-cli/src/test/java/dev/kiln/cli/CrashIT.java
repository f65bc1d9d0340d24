package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code kiln build} with SIGKILL at least 30 times, aiming at each phase in turn (base
 * image unpack, each RUN, layer export, tagging) plus a random delay, and after every kill
 * checks that the next build succeeds, serves every step the killed build reported DONE from
 * the cache, and that the state dir holds nothing dangling (see {@link StateInvariants}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashIT {
    private static final int KILLS = 30;
    private static final String[] PHASES = {"FROM busybox", "RUN echo", "RUN cat", "RUN dd", "exporting to image",
        "naming to"};
    private static final Pattern STEP = Pattern.compile("(?m)^#(\\d+) (\\[[^\\]]*\\d+/\\d+\\].*)$");

    @TempDir
    static Path tmp;
    Path state;
    KilnRunner kiln;

    @BeforeAll
    void buildBase() throws Exception {
        state = tmp.resolve("state");
        kiln = KilnRunner.withBusybox(tmp, state);
    }

    @Test
    void aBuildKilledAtAnyMomentLeavesAStateTheNextBuildUsesAndReuses() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("crash"));
        Files.writeString(ctx.resolve("file.txt"), "payload\n");
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox
                ARG N
                RUN echo "$N" > /n && dd if=/dev/urandom of=/a bs=1M count=1 2>/dev/null
                RUN cat /n > /m && dd if=/dev/urandom of=/b bs=1M count=1 2>/dev/null
                RUN dd if=/dev/urandom of=/c bs=1M count=1 2>/dev/null
                COPY file.txt /file.txt
                """);
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int kills = 0;
        int reusedAfterKill = 0;
        Map<String, Integer> killedIn = new LinkedHashMap<>();
        for (int i = 0; kills < KILLS && i < KILLS + 15; i++) {
            String phase = PHASES[i % PHASES.length];
            if (phase.startsWith("FROM")) {
                KilnRunner.Run prune = kiln.run("prune", "--all");
                assertThat(prune.exit()).as("prune before iteration %d:\n%s", i, prune.all()).isZero();
            }
            List<String> args = List.of("build", "--progress", "plain", "--build-arg", "N=" + i, "-t", "crash:" + i,
                    ctx.toString());
            Killed killed = startAndKill(args, phase, random.nextInt(400));
            if (killed.killed()) {
                kills++;
                killedIn.merge(phase, 1, Integer::sum);
            }
            StateInvariants.check(state, "after the kill of iteration " + i + " (seed " + seed + ")",
                    false);

            KilnRunner.Run next = kiln.run(args);
            String why = "iteration " + i + " (seed " + seed + ", killed in " + phase + "):\nkilled build:\n"
                    + killed.stderr() + "\nnext build:\n" + next.all();
            assertThat(next.exit()).as(why).isZero();
            List<String> done = doneSteps(killed.stderr());
            List<String> cached = cachedSteps(next.stderr());
            assertThat(cached).as("every step the killed build finished is served from the cache: " + why)
                    .containsAll(done);
            if (done.stream().anyMatch(s -> s.contains("RUN"))) {
                reusedAfterKill++;
            }
            StateInvariants.check(state, "after the build following iteration " + i + " (seed " + seed + ")",
                    true);
            assertThat(StateInvariants.column(state, "SELECT name FROM images"))
                    .as("the next build tagged the image: " + why).contains("docker.io/library/crash:" + i);
        }
        System.out.printf("CrashIT: %d kills by phase %s; %d next builds reused RUN steps the killed one finished (seed %d)%n",
                kills, killedIn, reusedAfterKill, seed);
        assertThat(kills).as("kills by phase: " + killedIn).isGreaterThanOrEqualTo(KILLS);
        assertThat(killedIn.keySet()).as("kills landed in several phases").hasSizeGreaterThanOrEqualTo(4);
        assertThat(reusedAfterKill).as("some killed builds had finished RUN steps that the next build reused")
                .isPositive();
    }

    /** What the killed build printed and whether the kill landed before it exited by itself. */
    record Killed(boolean killed, String stderr) {}

    /** Starts the build, waits for a line starting {@code phase}'s step, sleeps {@code jitterMs}, then SIGKILLs. */
    private Killed startAndKill(List<String> args, String phase, int jitterMs) throws Exception {
        Process p = kiln.start(args);
        StringBuffer err = new StringBuffer();
        CountDownLatch seen = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    err.append(line).append('\n');
                    if (line.contains(phase)) {
                        seen.countDown();
                    }
                }
            } catch (java.io.IOException e) {
                // the process was killed
            }
        });
        Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                // killed
            }
        });
        boolean reached = seen.await(60, TimeUnit.SECONDS);
        if (reached && jitterMs > 0) {
            Thread.sleep(jitterMs);
        }
        boolean alive = p.isAlive();
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        reader.join(10_000);
        return new Killed(alive, err.toString());
    }

    /** Build steps ({@code [stage k/n] ...}) that the output reports DONE. */
    static List<String> doneSteps(String plain) {
        return stepsWith(plain, "DONE");
    }

    static List<String> cachedSteps(String plain) {
        return stepsWith(plain, "CACHED");
    }

    private static List<String> stepsWith(String plain, String status) {
        List<String> out = new ArrayList<>();
        Matcher m = STEP.matcher(plain);
        while (m.find()) {
            if (Pattern.compile("(?m)^#" + m.group(1) + " " + status + "\\b").matcher(plain).find()) {
                out.add(m.group(2));
            }
        }
        return out;
    }
}
