package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The solver through the real launcher: independent stages run at the same time (and one at a
 * time with {@code --max-parallelism 1}), SIGTERM during a RUN cancels cleanly,
 * {@code --no-cache-filter} reruns only the named stage, {@code --progress=rawjson} reports
 * every vertex, and {@code kiln du}/{@code kiln prune}/the GC policy keep what images need.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SolverIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    Path state;
    KilnRunner kiln;

    @BeforeAll
    void buildBase() throws Exception {
        state = tmp.resolve("state");
        kiln = KilnRunner.withBusybox(tmp, state);
    }

    private Path context(String name, String dockerfile) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve(name));
        Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
        return ctx;
    }

    /** Four stages that record when they ran (host uptime, shared by all containers) and a final stage collecting them. */
    private static String fourStages(String tag, int sleep) {
        StringBuilder df = new StringBuilder();
        for (int i = 1; i <= 4; i++) {
            df.append("FROM busybox AS s").append(i).append('\n')
                    .append("RUN cut -d' ' -f1 /proc/uptime > /t && sleep ").append(sleep)
                    .append(" && cut -d' ' -f1 /proc/uptime >> /t && echo ").append(tag).append(i).append(" >> /t\n");
        }
        df.append("FROM scratch\n");
        for (int i = 1; i <= 4; i++) {
            df.append("COPY --from=s").append(i).append(" /t /s").append(i).append('\n');
        }
        return df.toString();
    }

    /** The [start, end] interval each stage recorded. */
    private static List<double[]> intervals(Path out) throws Exception {
        List<double[]> list = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            List<String> lines = Files.readAllLines(out.resolve("s" + i));
            list.add(new double[] {Double.parseDouble(lines.get(0)), Double.parseDouble(lines.get(1))});
        }
        return list;
    }

    @Test
    void fourIndependentStagesRunAtTheSameTimeAndMaxParallelismOneSerialisesThem() throws Exception {
        Path ctx = context("parallel", fourStages("parallel", 2));
        Path out = tmp.resolve("parallel-out");
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", "-o", "type=local,dest=" + out, ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        List<double[]> iv = intervals(out);
        double latestStart = iv.stream().mapToDouble(x -> x[0]).max().orElseThrow();
        double earliestEnd = iv.stream().mapToDouble(x -> x[1]).min().orElseThrow();
        assertThat(latestStart).as("every stage started before any ended: all four ran at once").isLessThan(earliestEnd);

        Files.writeString(ctx.resolve("Dockerfile"), fourStages("serial", 1));
        Path serialOut = tmp.resolve("serial-out");
        KilnRunner.Run s = kiln.run("build", "--progress", "plain", "--max-parallelism", "1",
                "-o", "type=local,dest=" + serialOut, ctx.toString());
        assertThat(s.exit()).as(s.all()).isZero();
        List<double[]> sv = new ArrayList<>(intervals(serialOut));
        sv.sort((a, b) -> Double.compare(a[0], b[0]));
        for (int i = 1; i < sv.size(); i++) {
            assertThat(sv.get(i)[0]).as("with --max-parallelism 1 a RUN starts after the previous one ended")
                    .isGreaterThanOrEqualTo(sv.get(i - 1)[1]);
        }
    }

    @Test
    void twoProcessesBuildingTheSameStepsOnOneStateDirRunThemOnce() throws Exception {
        Path ctx = context("two-procs", "FROM busybox\nRUN sleep 1 && echo shared > /shared\nRUN echo second > /second\n");
        Process a = kiln.start(List.of("build", "--progress", "plain", "-t", "two:a", ctx.toString()));
        Process b = kiln.start(List.of("build", "--progress", "plain", "-t", "two:b", ctx.toString()));
        KilnRunner.Run ra = KilnRunner.finish(a);
        KilnRunner.Run rb = KilnRunner.finish(b);
        assertThat(ra.exit()).as(ra.all()).isZero();
        assertThat(rb.exit()).as(rb.all()).isZero();
        List<String> ranA = CrashIT.doneSteps(ra.stderr()).stream().filter(s -> s.contains("RUN")).toList();
        List<String> ranB = CrashIT.doneSteps(rb.stderr()).stream().filter(s -> s.contains("RUN")).toList();
        assertThat(ranA.size() + ranB.size()).as("each RUN ran in one process only:\n" + ra.stderr() + rb.stderr())
                .isEqualTo(2);
        assertThat(ra.stderr() + rb.stderr()).contains("waiting for another kiln process");
    }

    @Test
    void sigtermDuringARunKillsTheContainerReleasesMountsAndKeepsTheCache() throws Exception {
        Path ctx = context("cancel", "FROM busybox\nRUN echo before > /before\nRUN echo started && sleep 47 && echo never\n");
        Process p = kiln.start(List.of("build", "--progress", "plain", ctx.toString()));
        StringBuffer err = new StringBuffer();
        CountDownLatch running = new CountDownLatch(1);
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = br.readLine()) != null) {
                    err.append(line).append('\n');
                    if (line.endsWith(" started")) {
                        running.countDown();
                    }
                }
            } catch (java.io.IOException e) {
                // closed
            }
        });
        assertThat(running.await(60, TimeUnit.SECONDS)).as(err.toString()).isTrue();
        for (int i = 0; i < 100 && sleepers().isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(sleepers()).as("the RUN is running").isNotEmpty();
        p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its pipes
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("kiln exits promptly on SIGTERM").isTrue();
        reader.join(5_000);
        assertThat(p.exitValue()).as(err.toString()).isNotZero();
        assertThat(err.toString()).contains("CANCELED").doesNotContainPattern("(?m)^#\\d+ [0-9.]+ never$");
        assertThat(sleepers()).as("the container's process was killed").isEmpty();
        StateInvariants.check(state, "after a cancelled build", true);

        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo before > /before\nRUN echo after\n");
        KilnRunner.Run next = kiln.run("build", "--progress", "plain", ctx.toString());
        assertThat(next.exit()).as(next.all()).isZero();
        assertThat(CrashIT.cachedSteps(next.stderr())).as(next.stderr()).anyMatch(s -> s.contains("RUN echo before"));
    }

    /** PIDs of processes running {@code sleep 47}. */
    private static List<String> sleepers() throws Exception {
        List<String> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path d : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = Files.readString(d.resolve("cmdline")).replace('\0', ' ').strip();
                    if (cmd.equals("sleep 47")) {
                        out.add(d.getFileName().toString());
                    }
                } catch (java.io.IOException e) {
                    // gone
                }
            }
        }
        return out;
    }

    @Test
    void noCacheFilterRerunsOnlyTheNamedStage() throws Exception {
        Path ctx = context("filter", """
                FROM busybox AS a
                RUN echo a > /a
                FROM busybox AS b
                RUN echo b > /b
                COPY --from=a /a /a
                """);
        assertThat(kiln.run("build", "--progress", "plain", ctx.toString()).exit()).isZero();
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", "--no-cache-filter", "a", ctx.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        List<String> cached = CrashIT.cachedSteps(r.stderr());
        assertThat(cached).as(r.stderr()).anyMatch(s -> s.contains("RUN echo b"))
                .noneMatch(s -> s.contains("RUN echo a"));
        assertThat(r.stderr()).contains("RUN echo a");
        assertThat(r.stderr()).as("the reference's plain format").containsPattern(
                "(?m)^#1 \\[internal\\] load build definition from Dockerfile\n#1 transferring dockerfile: \\d+B done\n#1 DONE \\d+\\.\\ds$")
                .containsPattern("(?m)^#\\d+ exporting layers \\d+\\.\\ds done$")
                .containsPattern("(?m)^#\\d+ \\[b 2/3\\] RUN echo b > /b\n#\\d+ CACHED$");
    }

    @Test
    void rawJsonProgressReportsStartEndCachedAndLogsOfEveryVertex() throws Exception {
        Path ctx = context("rawjson", "FROM busybox\nRUN echo hello-from-rawjson\n");
        KilnRunner.Run first = kiln.run("build", "--progress", "rawjson", ctx.toString());
        assertThat(first.exit()).as(first.all()).isZero();
        List<JsonNode> events = jsonLines(first.stderr());
        assertThat(events).anyMatch(e -> e.path("event").asText().equals("started")
                && e.path("name").asText().contains("RUN echo hello-from-rawjson"));
        assertThat(events).anyMatch(e -> e.path("event").asText().equals("log")
                && e.path("data").asText().contains("hello-from-rawjson"));
        assertThat(events).anyMatch(e -> e.path("event").asText().equals("completed")
                && e.path("name").asText().contains("RUN echo") && e.path("error").isNull()
                && !e.path("started").asText().isEmpty());
        for (JsonNode e : events) {
            assertThat(e.path("vertex").isTextual() && e.path("time").isTextual()).as(e.toString()).isTrue();
        }
        KilnRunner.Run second = kiln.run("build", "--progress", "rawjson", ctx.toString());
        assertThat(jsonLines(second.stderr())).anyMatch(e -> e.path("event").asText().equals("cached")
                && e.path("name").asText().contains("RUN echo hello-from-rawjson"));
    }

    private static List<JsonNode> jsonLines(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void duListsRecordsAndPruneAllKeepsWhatImagesNeedAndTheGcPolicyCapsTheStateDir() throws Exception {
        Path ctx = context("du", "FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=2 2>/dev/null\n"
                + "RUN --mount=type=cache,target=/cache echo x > /cache/f\n");
        assertThat(kiln.run("build", "-t", "du:1", ctx.toString()).exit()).isZero();
        KilnRunner.Run du = kiln.run("du", "--format", "json");
        assertThat(du.exit()).as(du.all()).isZero();
        JsonNode records = JSON.readTree(du.stdout());
        List<String> types = new ArrayList<>();
        records.forEach(r -> types.add(r.get("type").asText()));
        assertThat(types).contains("snapshot", "layer", "content", "cachemount");
        assertThat(records).anyMatch(r -> r.get("description").asText().contains("RUN dd")
                && r.get("size").asLong() >= 2 << 20);
        assertThat(kiln.run("du").stdout()).contains("Reclaimable:", "Total:", "RUN dd");

        KilnRunner.Run keep = kiln.run("prune", "--all", "--keep-duration", "1h");
        assertThat(keep.stdout()).as("everything was used within the hour").doesNotContain("deleted");

        KilnRunner.Run prune = kiln.run("prune", "--all");
        assertThat(prune.exit()).as(prune.all()).isZero();
        assertThat(prune.stdout()).contains("deleted snapshot", "deleted layer", "deleted cachemount");
        JsonNode after = JSON.readTree(kiln.run("du", "--format", "json").stdout());
        after.forEach(r -> assertThat(r.get("type").asText()).isEqualTo("content"));
        after.forEach(r -> assertThat(r.get("reclaimable").asBoolean()).as(r.toString()).isFalse());
        StateInvariants.check(state, "after prune --all", true);
        KilnRunner.Run save = kiln.run("save", "du:1", "-o", tmp.resolve("du.tar").toString());
        assertThat(save.exit()).as("a pruned state still has every blob of its images: " + save.all()).isZero();
        KilnRunner.Run rebuild = kiln.run("build", "--progress", "plain", "-t", "du:2", ctx.toString());
        assertThat(rebuild.exit()).as(rebuild.all()).isZero();

        ProcessBuilder pb = new ProcessBuilder(KilnRunner.repoRoot().resolve("kiln").toString(), "--root",
                state.toString(), "build", "--build-arg", "X=1", ctx.toString());
        pb.environment().put("KILN_GC_KEEP_STORAGE", "1MB");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nARG X\nRUN dd if=/dev/zero of=/big$X bs=1M count=3\n");
        KilnRunner.Run capped = KilnRunner.finish(pb.start());
        assertThat(capped.exit()).as(capped.all()).isZero();
        long reclaimable = 0;
        for (JsonNode r : JSON.readTree(kiln.run("du", "--format", "json").stdout())) {
            reclaimable += r.get("reclaimable").asBoolean() ? r.get("size").asLong() : 0;
        }
        assertThat(reclaimable).as("the GC after the build brought reclaimable records under the 1MB cap")
                .isLessThanOrEqualTo(1 << 20);
        StateInvariants.check(state, "after GC", true);
    }
}
