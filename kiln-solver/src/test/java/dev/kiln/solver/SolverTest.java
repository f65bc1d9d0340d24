package dev.kiln.solver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import dev.kiln.common.progress.ProgressEvent;
import dev.kiln.llb.Definition;
import dev.kiln.llb.DefinitionBuilder;
import dev.kiln.llb.Edge;
import dev.kiln.llb.ExecMeta;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.LlbCodec;
import dev.kiln.llb.MergeOp;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.Vertex;
import dev.kiln.llb.VertexMeta;
import dev.kiln.session.Session;
import dev.kiln.session.credentials.CredentialSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SolverTest {

    /** A runner over strings: a source's result is its identifier, an exec appends its command. */
    static class FakeRunner implements OpRunner {
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        final Map<String, String> localContent = new ConcurrentHashMap<>();
        volatile CountDownLatch startGate;
        volatile String failOn;
        final CountDownLatch firstBlocked = new CountDownLatch(1);

        @Override
        public CacheMap cacheMap(Vertex v, JobContext job) {
            Digest opKey = Digest.sha256(LlbCodec.encode(v.op()));
            if (v.op() instanceof SourceOp s && s.scheme().equals("local")) {
                return new CacheMap(opKey, List.of(), false);
            }
            if (v.op() instanceof ExecOp e && e.meta().args().get(0).equals("copy")) {
                return new CacheMap(opKey, List.of(Optional.empty(),
                        Optional.of(new ContentSelector(List.of(e.meta().args().get(1)), false, false, null, null))), true);
            }
            return CacheMap.of(opKey, v.inputs().size());
        }

        @Override
        public Digest contentChecksum(Result input, ContentSelector selector, JobContext job) {
            return Digest.sha256(localContent.getOrDefault(selector.paths().get(0), ""));
        }

        @Override
        public List<Result> run(Vertex v, List<Result> inputs, JobContext job) throws Exception {
            String cmd = v.op() instanceof ExecOp e ? String.join(" ", e.meta().args()) : v.op().toString();
            runs.computeIfAbsent(cmd, k -> new AtomicInteger()).incrementAndGet();
            if (startGate != null && cmd.startsWith("sleep")) {
                startGate.countDown();
                if (!startGate.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("independent steps did not run concurrently");
                }
            }
            if (cmd.equals(failOn)) {
                throw new IllegalStateException("exit code 3");
            }
            if (cmd.equals("block")) {
                Thread.sleep(60_000);
            }
            if (cmd.equals("block-first") && runs.get(cmd).get() == 1) {
                firstBlocked.countDown();
                Thread.sleep(60_000);
            }
            return List.of(new Result(inputs.stream().map(Result::ref).toList() + "+" + cmd));
        }

        @Override
        public boolean isValid(Result result) {
            return true;
        }

        int count(String cmd) {
            AtomicInteger n = runs.get(cmd);
            return n == null ? 0 : n.get();
        }
    }

    static class MemoryCache implements CacheStore {
        final Map<Digest, List<Result>> records = new ConcurrentHashMap<>();

        @Override
        public Optional<List<Result>> lookup(Digest cacheKey) {
            return Optional.ofNullable(records.get(cacheKey));
        }

        @Override
        public void save(Digest cacheKey, List<Result> results, String description) {
            records.put(cacheKey, results);
        }
    }

    static final Session SESSION = new Session() {
        @Override
        public String id() {
            return "test";
        }

        @Override
        public Path localDir(String name) {
            return Path.of("/nonexistent");
        }

        @Override
        public Optional<byte[]> secret(String id) {
            return Optional.empty();
        }

        @Override
        public CredentialSource credentials() {
            return CredentialSource.anonymous();
        }
    };

    static Edge exec(DefinitionBuilder b, String cmd, Edge... inputs) {
        List<ExecMount> mounts = new ArrayList<>();
        mounts.add(ExecMount.root(0));
        for (int i = 1; i < inputs.length; i++) {
            mounts.add(new ExecMount(i, "/in" + i, -1, true, "", null, null, null, null, null));
        }
        ExecOp op = new ExecOp(new ExecMeta(List.of(cmd.split(" ")), List.of(), "/", "", "", null), mounts, null, null);
        return b.add(op, List.of(inputs), VertexMeta.named(cmd));
    }

    static JobContext job(String id, List<ProgressEvent> events) {
        return new JobContext(id, SESSION, events::add, null);
    }

    @Test
    void independentStepsRunConcurrently() throws Exception {
        DefinitionBuilder b = new DefinitionBuilder();
        Edge base = b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE);
        Edge[] stages = new Edge[4];
        for (int i = 0; i < 4; i++) {
            stages[i] = exec(b, "sleep " + i, base);
        }
        Edge merged = b.add(new MergeOp(4), List.of(stages), VertexMeta.NONE);
        FakeRunner runner = new FakeRunner();
        runner.startGate = new CountDownLatch(4);
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        Result r = solver.solve(b.build(Optional.of(merged)), job("j1", new CopyOnWriteArrayList<>()));
        assertThat(r.ref()).contains("sleep 0").contains("sleep 3");
    }

    @Test
    void secondSolveIsServedFromTheCacheAndReportsEveryStepCached() throws Exception {
        DefinitionBuilder b = new DefinitionBuilder();
        Edge base = b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.named("FROM busybox"));
        Edge top = exec(b, "echo b", exec(b, "echo a", base));
        Definition def = b.build(Optional.of(top));
        FakeRunner runner = new FakeRunner();
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        Result first = solver.solve(def, job("j1", new CopyOnWriteArrayList<>()));
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        Result second = solver.solve(def, job("j2", events));
        assertThat(second).isEqualTo(first);
        assertThat(runner.count("echo a")).isEqualTo(1);
        assertThat(runner.count("echo b")).isEqualTo(1);
        assertThat(events).filteredOn(e -> e instanceof ProgressEvent.Cached).hasSize(3);
        assertThat(events).noneMatch(e -> e instanceof ProgressEvent.Started);
    }

    @Test
    void contentSelectedInputsKeyByTheSelectedFilesOnly() throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.localContent.put("a", "A1");
        runner.localContent.put("b", "B1");
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge base = b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE);
        Edge ctx = b.add(SourceOp.of("local://context"), List.of(), VertexMeta.NONE);
        Edge copyA = exec(b, "copy a", base, ctx);
        Edge run = exec(b, "make", copyA);
        Edge copyB = exec(b, "copy b", run, ctx);
        Definition def = b.build(Optional.of(copyB));

        solver.solve(def, job("j1", new CopyOnWriteArrayList<>()));
        runner.localContent.put("b", "B2");
        solver.solve(def, job("j2", new CopyOnWriteArrayList<>()));
        assertThat(runner.count("copy a")).isEqualTo(1);
        assertThat(runner.count("make")).isEqualTo(1);
        assertThat(runner.count("copy b")).isEqualTo(2);

        runner.localContent.put("a", "A2");
        solver.solve(def, job("j3", new CopyOnWriteArrayList<>()));
        assertThat(runner.count("copy a")).isEqualTo(2);
        assertThat(runner.count("make")).isEqualTo(2);
    }

    @Test
    void theSameStepWantedByTwoJobsAtOnceRunsOnce() throws Exception {
        FakeRunner runner = new FakeRunner();
        runner.startGate = new CountDownLatch(1);
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge top = exec(b, "sleep shared", b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE));
        Definition def = b.build(Optional.of(top));
        List<Result> results = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String id = "job" + i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    results.add(solver.solve(def, job(id, new CopyOnWriteArrayList<>())));
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(results).hasSize(2);
        assertThat(results.get(0)).isEqualTo(results.get(1));
        assertThat(runner.count("sleep shared")).isEqualTo(1);
    }

    @Test
    void aFailingStepFailsTheSolveNamingTheStepAndCancelsSiblings() {
        FakeRunner runner = new FakeRunner();
        runner.failOn = "false";
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge base = b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE);
        Edge merged = b.add(new MergeOp(2), List.of(exec(b, "false", base), exec(b, "block", base)), VertexMeta.NONE);
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        assertThatThrownBy(() -> solver.solve(b.build(Optional.of(merged)), job("j", events)))
                .isInstanceOf(SolveException.class)
                .hasMessageContaining("false")
                .hasMessageContaining("exit code 3");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
        assertThat(events).anyMatch(e -> e instanceof ProgressEvent.Completed c && c.error() != null);
        assertThat(runner.count("merge")).isZero();
    }

    @Test
    void noCacheRunsTheStepAgain() throws Exception {
        FakeRunner runner = new FakeRunner();
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge top = exec(b, "echo x", b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE));
        Definition def = b.build(Optional.of(top));
        solver.solve(def, job("a", new CopyOnWriteArrayList<>()));
        solver.solve(def, new JobContext("b", SESSION, e -> {}, v -> v.op() instanceof ExecOp));
        assertThat(runner.count("echo x")).isEqualTo(2);
    }

    @Test
    void aCancelledJobDoesNotPoisonAnotherWaitingForTheSameStep() throws Exception {
        FakeRunner runner = new FakeRunner();
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge top = exec(b, "block-first", b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE));
        Definition def = b.build(Optional.of(top));
        List<Object> outcomes = Collections.synchronizedList(new ArrayList<>());
        Thread first = Thread.ofVirtual().start(() -> {
            try {
                outcomes.add(solver.solve(def, job("first", new CopyOnWriteArrayList<>())));
            } catch (InterruptedException e) {
                outcomes.add("first cancelled");
            }
        });
        assertThat(runner.firstBlocked.await(10, TimeUnit.SECONDS)).isTrue();
        Result[] second = new Result[1];
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                second[0] = solver.solve(def, job("second", new CopyOnWriteArrayList<>()));
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertThat(runner.count("block-first")).as("the second job waits for the first one's run").isEqualTo(1);
        first.interrupt();
        first.join(10_000);
        waiter.join(10_000);
        assertThat(outcomes).containsExactly("first cancelled");
        assertThat(second[0]).as("the second job ran the step itself").isNotNull();
        assertThat(runner.count("block-first")).isEqualTo(2);
    }

    @Test
    void aStepReportedDoneIsAlreadyInTheCache() throws Exception {
        FakeRunner runner = new FakeRunner();
        MemoryCache cache = new MemoryCache();
        Solver solver = new Solver(runner, cache, 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge top = exec(b, "echo done", b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE));
        List<Integer> recordsWhenDone = new CopyOnWriteArrayList<>();
        JobContext job = new JobContext("j", SESSION, e -> {
            if (e instanceof ProgressEvent.Completed c && c.error() == null) {
                recordsWhenDone.add(cache.records.size());
            }
        }, null);
        solver.solve(b.build(Optional.of(top)), job);
        assertThat(recordsWhenDone).containsExactly(1, 2);
    }

    @Test
    void execSlotsBoundHowManyRunStepsRunAtOnce() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        FakeRunner runner = new FakeRunner() {
            @Override
            public List<Result> run(Vertex v, List<Result> inputs, JobContext job) throws Exception {
                if (v.op() instanceof ExecOp) {
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    Thread.sleep(100);
                    running.decrementAndGet();
                }
                return super.run(v, inputs, job);
            }
        };
        Solver solver = new Solver(runner, new MemoryCache(), 2);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge base = b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE);
        Edge[] stages = new Edge[6];
        for (int i = 0; i < stages.length; i++) {
            stages[i] = exec(b, "step " + i, base);
        }
        solver.solve(b.build(Optional.of(b.add(new MergeOp(6), List.of(stages), VertexMeta.NONE))),
                job("j", new CopyOnWriteArrayList<>()));
        assertThat(peak.get()).isEqualTo(2);
    }

    @Test
    void aStepExcludedFromTheCacheRunsAgainWithEverythingBuiltOnItButNotItsSiblings() throws Exception {
        FakeRunner runner = new FakeRunner();
        Solver solver = new Solver(runner, new MemoryCache(), 0);
        DefinitionBuilder b = new DefinitionBuilder();
        Edge base = b.add(SourceOp.of("docker-image://busybox"), List.of(), VertexMeta.NONE);
        Edge a = exec(b, "stage a", base);
        Edge other = exec(b, "stage b", base);
        Edge top = exec(b, "combine", other, a);
        Definition def = b.build(Optional.of(top));
        solver.solve(def, job("first", new CopyOnWriteArrayList<>()));
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        solver.solve(def, new JobContext("second", SESSION, events::add,
                v -> v.op() instanceof ExecOp e && e.meta().args().equals(List.of("stage", "a"))));
        assertThat(runner.count("stage a")).isEqualTo(2);
        assertThat(runner.count("combine")).as("built on the rerun step").isEqualTo(2);
        assertThat(runner.count("stage b")).as("a sibling stays cached").isEqualTo(1);
        assertThat(events).anyMatch(e -> e instanceof ProgressEvent.Cached c && c.name().equals("stage b"));
    }
}
