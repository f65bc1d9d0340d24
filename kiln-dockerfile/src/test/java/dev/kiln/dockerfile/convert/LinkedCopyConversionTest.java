package dev.kiln.dockerfile.convert;

import static dev.kiln.dockerfile.convert.DockerfileConverterTest.convert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.SourceException;
import dev.kiln.llb.Definition;
import dev.kiln.llb.Edge;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.llb.MergeOp;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.Vertex;
import dev.kiln.oci.image.ImageConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code COPY --link} / {@code ADD --link}: a copy onto an empty tree merged onto the stage, as BuildKit converts it. */
class LinkedCopyConversionTest {

    private static Vertex root(Definition d) {
        return d.byDigest().get(d.root().orElseThrow().vertex());
    }

    private static Vertex input(Definition d, Vertex v, int i) {
        return d.byDigest().get(v.inputs().get(i).vertex());
    }

    private static FileAction.Copy onlyCopy(Vertex v) {
        return (FileAction.Copy) ((FileOp) v.op()).actions().getFirst();
    }

    @Test
    void aLinkedCopyIsAFileOpOnAnEmptyTreeMergedOntoTheStage() {
        ConvertResult r = convert("FROM base\nRUN echo one\nCOPY --link app /opt/app/\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver());
        Vertex merge = root(r.definition());
        assertThat(merge.op()).isEqualTo(new MergeOp(2));
        assertThat(merge.name()).isEqualTo("[3/3] LINK COPY --link app /opt/app/");
        Vertex stage = input(r.definition(), merge, 0);
        assertThat(stage.name()).isEqualTo("[2/3] RUN echo one");
        Vertex copy = input(r.definition(), merge, 1);
        assertThat(copy.name()).isEqualTo("[3/3] COPY --link app /opt/app/");
        FileOp op = (FileOp) copy.op();
        assertThat(op.base()).as("the copy starts from an empty tree").isEqualTo(-1);
        assertThat(copy.inputs()).as("and reads the context alone").hasSize(1);
        assertThat(((SourceOp) input(r.definition(), copy, 0).op()).identifier()).isEqualTo("local://context");
        FileAction.Copy c = onlyCopy(copy);
        assertThat(c.sourceInput()).isZero();
        assertThat(c.src()).isEqualTo("/app");
        assertThat(c.dest()).isEqualTo("/opt/app/");
        assertThat(c.createDestPath()).isTrue();
    }

    @Test
    void theCopyVertexIsTheSameWhateverTheStageBelowIt() {
        String tail = "COPY --link app /opt/app/\n";
        Definition a = convert("FROM base\nRUN echo one\n" + tail, Map.of(), null, new DockerfileConverterTest.FakeResolver())
                .definition();
        Definition b = convert("FROM base\nRUN echo two\nENV X=1\n" + tail, Map.of(), null,
                new DockerfileConverterTest.FakeResolver()).definition();
        Definition plainA = convert("FROM base\nRUN echo one\nCOPY app /opt/app/\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver()).definition();
        Definition plainB = convert("FROM base\nRUN echo two\nCOPY app /opt/app/\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver()).definition();
        assertThat(input(a, root(a), 1).digest()).isEqualTo(input(b, root(b), 1).digest());
        assertThat(root(a).digest()).as("the merge depends on the base").isNotEqualTo(root(b).digest());
        assertThat(root(plainA).digest()).as("a plain copy depends on the base").isNotEqualTo(root(plainB).digest());
    }

    @Test
    void onAnEmptyStageTheCopyIsTheWholeResultAndEqualsThePlainCopy() {
        Definition linked = convert("FROM scratch\nCOPY --link app /app/\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver()).definition();
        Definition plain = convert("FROM scratch\nCOPY app /app/\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver()).definition();
        assertThat(root(linked).op()).isInstanceOf(FileOp.class);
        assertThat(root(linked).digest()).isEqualTo(root(plain).digest());
        assertThat(linked.vertices()).noneMatch(v -> v.op() instanceof MergeOp);
    }

    @Test
    void workdirRelativeDestinationsResolveAgainstTheWorkdirAsWithoutLink() {
        ConvertResult r = convert("FROM base\nWORKDIR /srv/www\nCOPY --link index.html .\nCOPY --link a.txt b.txt sub/\n",
                Map.of(), null, new DockerfileConverterTest.FakeResolver());
        Vertex last = root(r.definition());
        Vertex firstMerge = input(r.definition(), last, 0);
        assertThat(onlyCopy(input(r.definition(), firstMerge, 1)).dest()).isEqualTo("/srv/www/");
        FileOp second = (FileOp) input(r.definition(), last, 1).op();
        assertThat(second.actions()).extracting(a -> ((FileAction.Copy) a).dest()).containsOnly("/srv/www/sub/");
        assertThat(input(r.definition(), firstMerge, 0).name()).isEqualTo("[2/4] WORKDIR /srv/www");
    }

    @Test
    void chownMustBeNumericOrRootWithLink() {
        ConvertResult r = convert("FROM base\nCOPY --link --chown=1000:50 a /a\nCOPY --link --chown=root:root b /b\n"
                + "COPY --link --chown=7 c /c\n", Map.of(), null, new DockerfileConverterTest.FakeResolver());
        Definition d = r.definition();
        Vertex third = root(d);
        Vertex second = input(d, third, 0);
        Vertex first = input(d, second, 0);
        assertThat(onlyCopy(input(d, first, 1)).chown()).isEqualTo(new FileAction.Chown("1000", "50"));
        assertThat(onlyCopy(input(d, second, 1)).chown()).isEqualTo(new FileAction.Chown("0", "0"));
        assertThat(onlyCopy(input(d, third, 1)).chown()).isEqualTo(new FileAction.Chown("7", null));

        assertThatThrownBy(() -> convert("FROM base\nCOPY --link --chown=app:app a /a\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver()))
                .isInstanceOf(SourceException.class).hasMessageContaining("--chown=app:app with --link")
                .hasMessageContaining("\"app\" is not a numeric id").hasMessageContaining("Dockerfile:2");
        assertThatThrownBy(() -> convert("FROM base\nADD --link --chown=1000:staff a /a\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver()))
                .isInstanceOf(SourceException.class).hasMessageContaining("\"staff\" is not a numeric id");
        ConvertResult plain = convert("FROM base\nCOPY --chown=app:app a /a\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver());
        assertThat(onlyCopy(root(plain.definition())).chown()).as("without --link names stay names")
                .isEqualTo(new FileAction.Chown("app", "app"));
    }

    @Test
    void withChmodTheCopyIsNotLinkedAsInBuildKit() {
        ConvertResult r = convert("FROM base\nCOPY --link --chmod=755 --chown=app run.sh /usr/bin/\n", Map.of(), null,
                new DockerfileConverterTest.FakeResolver());
        Vertex v = root(r.definition());
        assertThat(v.op()).isInstanceOf(FileOp.class);
        assertThat(((FileOp) v.op()).base()).isZero();
        assertThat(onlyCopy(v).chmod()).isEqualTo("755");
        assertThat(onlyCopy(v).chown()).isEqualTo(new FileAction.Chown("app", null));
        assertThat(r.definition().vertices()).noneMatch(x -> x.op() instanceof MergeOp);
    }

    @Test
    void fromStageParentsExcludeAddAndHeredocsKeepTheirActions() {
        ConvertResult r = convert("""
                FROM base AS build
                RUN echo built > /out
                FROM base
                COPY --link --from=build --parents --exclude=*.md /./out/ /dist/
                ADD --link --chown=1 pkg.tar /opt/
                COPY --link <<EOF /etc/motd
                hello
                EOF
                """, Map.of(), null, new DockerfileConverterTest.FakeResolver());
        Definition d = r.definition();
        Vertex heredocMerge = root(d);
        Vertex addMerge = input(d, heredocMerge, 0);
        Vertex fromMerge = input(d, addMerge, 0);

        Vertex fromCopy = input(d, fromMerge, 1);
        assertThat(((FileOp) fromCopy.op()).base()).isEqualTo(-1);
        assertThat(input(d, fromCopy, 0).name()).isEqualTo("[build 2/2] RUN echo built > /out");
        FileAction.Copy c = onlyCopy(fromCopy);
        assertThat(c.parents()).isTrue();
        assertThat(c.excludePatterns()).containsExactly("*.md");
        assertThat(c.unpackArchive()).isFalse();

        FileAction.Copy add = onlyCopy(input(d, addMerge, 1));
        assertThat(add.unpackArchive()).isTrue();
        assertThat(add.chown()).isEqualTo(new FileAction.Chown("1", null));

        FileOp heredoc = (FileOp) input(d, heredocMerge, 1).op();
        assertThat(heredoc.base()).isEqualTo(-1);
        FileAction.Mkfile f = (FileAction.Mkfile) heredoc.actions().getFirst();
        assertThat(f.path()).isEqualTo("/etc/motd");
        assertThat(new String(f.data(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("hello\n");
    }

    @Test
    void addOfUrlsAndGitRepositoriesReadsOnlyTheirSourcesWithLink() {
        ConvertResult r = convert("FROM base\nADD --link https://example.com/f.txt https://example.com/r.git#v1 /dl/\n",
                Map.of(), null, new DockerfileConverterTest.FakeResolver());
        Definition d = r.definition();
        Vertex copy = input(d, root(d), 1);
        assertThat(((FileOp) copy.op()).base()).isEqualTo(-1);
        assertThat(copy.inputs()).hasSize(2);
        assertThat(copy.inputs()).extracting(e -> ((SourceOp) d.byDigest().get(e.vertex()).op()).identifier())
                .containsExactly("https://example.com/f.txt", "git://example.com/r.git#v1");
        assertThat(((FileOp) copy.op()).actions()).extracting(a -> ((FileAction.Copy) a).sourceInput()).containsExactly(0, 1);
    }

    @Test
    void historyAndConfigAreTheSameWithAndWithoutLink() {
        String df = "FROM base\nRUN echo one\nCOPY%s app /opt/app/\nADD%s x.tar /x/\nCMD [\"app\"]\n";
        ImageConfig linked = convert(df.formatted(" --link", " --link"), Map.of(), null,
                new DockerfileConverterTest.FakeResolver()).config();
        ImageConfig plain = convert(df.formatted("", ""), Map.of(), null, new DockerfileConverterTest.FakeResolver()).config();
        assertThat(linked.config()).isEqualTo(plain.config());
        assertThat(linked.history()).isEqualTo(plain.history());
        assertThat(linked.history()).extracting(ImageConfig.History::createdBy)
                .contains("COPY app /opt/app/ # buildkit", "ADD x.tar /x/ # buildkit");
        List<Boolean> empty = linked.history().stream().map(h -> Boolean.TRUE.equals(h.emptyLayer())).toList();
        assertThat(empty).containsExactly(false, false, false, true);
    }

    @Test
    void noCacheMarksBothTheCopyAndTheMerge() {
        ConvertResult r = DockerfileConverter.convert(new ConvertRequest("Dockerfile", "FROM base\nCOPY --link a /a\n",
                Map.of(), java.util.Optional.empty(), new dev.kiln.common.Platform("linux", "amd64", ""), List.of(), Map.of(),
                true, java.util.Set.of(), java.time.Instant.ofEpochSecond(1_700_000_000)),
                new DockerfileConverterTest.FakeResolver());
        Vertex merge = root(r.definition());
        assertThat(merge.meta().ignoreCache()).isTrue();
        assertThat(input(r.definition(), merge, 1).meta().ignoreCache()).isTrue();
        Edge base = merge.inputs().getFirst();
        assertThat(r.definition().byDigest().get(base.vertex()).op()).isInstanceOf(SourceOp.class);
    }
}
