package dev.kiln.llb.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.llb.Definition;
import dev.kiln.llb.DefinitionBuilder;
import dev.kiln.llb.Edge;
import dev.kiln.llb.ExecMeta;
import dev.kiln.llb.ExecMount;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.llb.LlbCodec;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.Vertex;
import dev.kiln.llb.VertexMeta;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class StateTest {
    private static final String PATH_ENV = "PATH=" + State.DEFAULT_PATH;

    @Test
    void imageRunAndCopyGiveTheOpsWrittenByHand() {
        State ctx = State.local("context");
        Definition dsl = State.image("busybox:latest")
                .env("GREETING", "hi")
                .dir("/work")
                .run("echo $GREETING > out")
                .file(FileActions.copy(ctx, "app.txt", "app/").thenMkdir("data", 0750))
                .marshal();

        DefinitionBuilder b = new DefinitionBuilder();
        Edge img = b.add(SourceOp.of("docker-image://busybox:latest"), List.of(), VertexMeta.NONE);
        Edge run = b.add(new ExecOp(new ExecMeta(List.of("/bin/sh", "-c", "echo $GREETING > out"),
                List.of("GREETING=hi", PATH_ENV), "/work", "", "", null), List.of(ExecMount.root(0)), null, null),
                List.of(img), VertexMeta.NONE);
        Edge local = b.add(SourceOp.of("local://context"), List.of(), VertexMeta.NONE);
        Edge file = b.add(new FileOp(0, List.of(
                new FileAction.Copy(1, "/app.txt", "/work/app/", null, null, true, true, true, true, false,
                        List.of(), List.of(), false, null, false),
                new FileAction.Mkdir("/work/data", 0750, true, null, null))), List.of(run, local), VertexMeta.NONE);
        Definition hand = b.build(Optional.of(file));

        assertThat(dsl.root()).isEqualTo(hand.root());
        assertThat(dsl.vertices().stream().map(Vertex::digest).toList())
                .isEqualTo(hand.vertices().stream().map(Vertex::digest).toList());
        assertThat(dsl.vertices().stream().map(Vertex::op).toList())
                .isEqualTo(hand.vertices().stream().map(Vertex::op).toList());
    }

    @Test
    void scratchWithAFileReadsNoInputAndScratchAloneHasNoRoot() {
        assertThat(State.scratch().marshal().root()).isEmpty();
        Definition d = State.scratch().file(FileActions.mkfile("/hello", 0644, "hi\n")).marshal();
        Vertex only = d.vertices().getFirst();
        assertThat(d.vertices()).hasSize(1);
        assertThat(only.inputs()).isEmpty();
        assertThat(only.op()).isEqualTo(new FileOp(-1, List.of(
                new FileAction.Mkfile("/hello", 0644, "hi\n".getBytes(StandardCharsets.UTF_8), null, null))));
    }

    @Test
    void runOptionsApplyToOneRunOnlyAndMountsAreOrderedByDestination() {
        State base = State.image("busybox").user("1000");
        State data = State.local("data");
        State after = base.run(List.of("ls"), RunOption.tmpfs("/tmp"), RunOption.mount("/data", data),
                RunOption.env("A", "1"), RunOption.dir("sub"), RunOption.user("root"),
                RunOption.network(ExecOp.NetworkMode.NONE), RunOption.cache("/cache", "c1"));
        ExecOp op = (ExecOp) after.marshal().vertices().getLast().op();
        assertThat(op.meta().env()).containsExactly("A=1", PATH_ENV);
        assertThat(op.meta().cwd()).isEqualTo("/sub");
        assertThat(op.meta().user()).isEqualTo("root");
        assertThat(op.network()).isEqualTo(ExecOp.NetworkMode.NONE);
        assertThat(op.mounts()).extracting(ExecMount::dest).containsExactly("/", "/cache", "/data", "/tmp");
        assertThat(op.mounts().get(2).input()).isEqualTo(1);
        assertThat(op.mounts().get(2).readonly()).isTrue();
        assertThat(after.currentUser()).isEqualTo("1000");
        assertThat(after.environment()).isEmpty();

        State swapped = base.run(List.of("ls"), RunOption.cache("/cache", "c1"), RunOption.mount("/data", data),
                RunOption.tmpfs("/tmp"), RunOption.env("A", "1"), RunOption.dir("sub"), RunOption.user("root"),
                RunOption.network(ExecOp.NetworkMode.NONE));
        assertThat(swapped.marshal().root()).isEqualTo(after.marshal().root());
    }

    @Test
    void pinningRewritesEveryImageSourceAndChangesTheDigest() {
        State s = State.image("busybox:latest").run("true");
        Definition plain = s.marshal();
        Definition pinned = s.marshal(ref -> ref + "@sha256:" + "ab".repeat(32));
        assertThat(((SourceOp) pinned.vertices().getFirst().op()).identifier())
                .isEqualTo("docker-image://busybox:latest@sha256:" + "ab".repeat(32));
        assertThat(pinned.root()).isNotEqualTo(plain.root());
    }

    @Test
    void theBaseImageIsFoundThroughRunsAndFileChangesButNotCopySources() {
        State img = State.image("busybox:latest");
        assertThat(img.run("true").file(FileActions.mkdir("/d", 0755)).baseImage()).contains("busybox:latest");
        assertThat(State.scratch().file(FileActions.copy(img, "/bin", "/bin")).baseImage()).isEmpty();
        assertThat(State.local("context").baseImage()).isEmpty();
    }

    @Test
    void mergeAndDiffGiveTheOpsWrittenByHand() {
        State base = State.image("busybox:latest");
        State changed = base.run("touch /x");
        State other = State.scratch().file(FileActions.mkdir("/d", 0755));
        Definition dsl = State.merge(List.of(base, State.diff(base, changed), other, State.scratch())).marshal();

        DefinitionBuilder b = new DefinitionBuilder();
        Edge img = b.add(SourceOp.of("docker-image://busybox:latest"), List.of(), VertexMeta.NONE);
        Edge run = b.add(new ExecOp(new ExecMeta(List.of("/bin/sh", "-c", "touch /x"), List.of(PATH_ENV), "/", "", "",
                null), List.of(ExecMount.root(0)), null, null), List.of(img), VertexMeta.NONE);
        Edge diff = b.add(new dev.kiln.llb.DiffOp(0, 1), List.of(img, run), VertexMeta.NONE);
        Edge mkdir = b.add(new FileOp(-1, List.of(new FileAction.Mkdir("/d", 0755, true, null, null))), List.of(),
                VertexMeta.NONE);
        Edge merge = b.add(new dev.kiln.llb.MergeOp(3), List.of(img, diff, mkdir), VertexMeta.NONE);
        assertThat(dsl.root()).contains(merge);
        assertThat(LlbCodec.encode(dsl)).isEqualTo(LlbCodec.encode(State.merge(List.of(base,
                State.diff(base, changed), other)).marshal()));
    }

    /** A resolver over a fixed table, counting look-ups (a fake: this tests the dsl alone). */
    static final class TableResolver implements ImageMetaResolver {
        final java.util.Map<String, ProcessDefaults> configs;
        final java.util.List<String> asked = new java.util.ArrayList<>();

        TableResolver(java.util.Map<String, ProcessDefaults> configs) {
            this.configs = configs;
        }

        @Override
        public Resolved resolveImage(String reference, dev.kiln.common.Platform platform) {
            asked.add(reference);
            return new Resolved(reference + "@sha256:" + "cd".repeat(32), configs.get(reference));
        }
    }

    private static final ProcessDefaults TOOLS = ProcessDefaults.fromConfig(
            List.of("PATH=/opt/tools/bin:/bin", "LANG=C.UTF-8"), "/srv", "app");

    @Test
    void aResolverPinsTheImageAndRunsTakeItsEnvironmentWorkingDirAndUser() {
        TableResolver r = new TableResolver(java.util.Map.of("tools:1", TOOLS));
        State s = State.image("tools:1").env("LANG", "de_DE").dir("sub")
                .file(FileActions.mkdir("data", 0755).thenCopy(State.image("tools:1"), "cfg", "etc/"))
                .run("tool");
        Definition d = s.marshal(r, dev.kiln.common.Platform.host());
        assertThat(r.asked).containsExactly("tools:1");
        assertThat(((SourceOp) d.vertices().getFirst().op()).identifier())
                .isEqualTo("docker-image://tools:1@sha256:" + "cd".repeat(32));
        FileOp file = (FileOp) d.vertices().get(1).op();
        assertThat(file.actions().get(0)).isEqualTo(new FileAction.Mkdir("/srv/sub/data", 0755, true, null, null));
        assertThat(((FileAction.Copy) file.actions().get(1)).src()).isEqualTo("/srv/cfg");
        assertThat(((FileAction.Copy) file.actions().get(1)).dest()).isEqualTo("/srv/sub/etc/");
        ExecOp run = (ExecOp) d.vertices().getLast().op();
        assertThat(run.meta().env()).containsExactly("PATH=/opt/tools/bin:/bin", "LANG=de_DE");
        assertThat(run.meta().cwd()).isEqualTo("/srv/sub");
        assertThat(run.meta().user()).isEqualTo("app");
        assertThat(s.defaults(r, dev.kiln.common.Platform.host()))
                .isEqualTo(new ProcessDefaults(java.util.Map.of("PATH", "/opt/tools/bin:/bin", "LANG", "de_DE"),
                        "/srv/sub", "app"));

        // without a resolver nothing of the image applies: the state's own settings and the default PATH
        ExecOp plain = (ExecOp) s.marshal().vertices().getLast().op();
        assertThat(plain.meta().env()).containsExactly("LANG=de_DE", PATH_ENV);
        assertThat(plain.meta().cwd()).isEqualTo("/sub");
        assertThat(s.workingDir()).isEqualTo("/sub");
        assertThat(s.currentUser()).isEmpty();
    }

    @Test
    void withConfigAndAnEagerResolverGiveTheSameOpsAsTheLazyOne() {
        TableResolver r = new TableResolver(java.util.Map.of("tools:1", TOOLS));
        Definition lazy = State.image("tools:1").run("tool").marshal(r, dev.kiln.common.Platform.host());
        Definition eager = State.image("tools:1", r).run("tool").marshal();
        assertThat(LlbCodec.encode(eager)).isEqualTo(LlbCodec.encode(lazy));
        assertThat(State.image("tools:1", r).baseImage()).contains("tools:1@sha256:" + "cd".repeat(32));

        ExecOp own = (ExecOp) State.image("tools:1").withConfig(ProcessDefaults.EMPTY).run("tool")
                .marshal(r, dev.kiln.common.Platform.host()).vertices().getLast().op();
        assertThat(own.meta().env()).containsExactly(PATH_ENV);
        assertThat(own.meta().cwd()).isEqualTo("/");
        assertThat(own.meta().user()).isEmpty();
    }

    @Test
    void aReferenceWithADigestIsNotLookedUpForPinning() {
        String pinned = "tools@sha256:" + "ef".repeat(32);
        TableResolver r = new TableResolver(java.util.Map.of(pinned, TOOLS));
        Definition d = State.image(pinned).withConfig(ProcessDefaults.EMPTY).run("true")
                .marshal(r, dev.kiln.common.Platform.host());
        assertThat(r.asked).isEmpty();
        assertThat(((SourceOp) d.vertices().getFirst().op()).identifier()).isEqualTo("docker-image://" + pinned);
    }

    @Test
    void badInputsAreRefused() {
        assertThatThrownBy(() -> State.image("docker-image://x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> State.scratch().file(FileActions.copy(State.scratch(), "/a", "/b")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** One step of a random chain. */
    record Step(int kind, String text) {
        State apply(State s) {
            return switch (kind) {
                case 0 -> s.run("echo " + text);
                case 1 -> s.env("V", text);
                case 2 -> s.dir(text);
                case 3 -> s.file(FileActions.mkfile(text, 0644, text));
                case 4 -> s.file(FileActions.copy(State.local("context"), text, "/dst/"));
                default -> s.user(text);
            };
        }
    }

    @Provide
    Arbitrary<List<Step>> chains() {
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 5),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(8);
    }

    private static State build(List<Step> steps) {
        State s = State.image("busybox:latest");
        for (Step st : steps) {
            s = st.apply(s);
        }
        return s.run("true");
    }

    @Property(tries = 200)
    void equalChainsGiveEqualBytesAndDigests(@ForAll("chains") List<Step> steps) {
        Definition a = build(steps).marshal();
        Definition b = build(List.copyOf(steps)).marshal();
        assertThat(a.root()).isEqualTo(b.root());
        assertThat(LlbCodec.encode(a)).isEqualTo(LlbCodec.encode(b));
    }

    @Property(tries = 200)
    void aDifferentLastCommandGivesADifferentDigest(@ForAll("chains") List<Step> steps) {
        State s = build(steps);
        assertThat(s.run("echo one").marshal().root()).isNotEqualTo(s.run("echo two").marshal().root());
    }
}
