package dev.kiln.dockerfile.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.common.SourceException;
import dev.kiln.llb.Definition;
import dev.kiln.llb.ExecOp;
import dev.kiln.llb.FileAction;
import dev.kiln.llb.FileOp;
import dev.kiln.llb.SourceOp;
import dev.kiln.llb.Vertex;
import dev.kiln.oci.image.ContainerConfig;
import dev.kiln.oci.image.ImageConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DockerfileConverterTest {
    private static final Platform AMD64 = new Platform("linux", "amd64", "");

    /** Knows one image, "base", with an ENV, a USER and a WORKDIR, and records what was asked. */
    static final class FakeResolver implements ImageMetaResolver {
        final List<String> asked = new ArrayList<>();

        @Override
        public BaseImage resolveImage(String reference, Platform platform) {
            asked.add(reference);
            if (reference.equals("onbuild-base")) {
                ContainerConfig c = ContainerConfig.EMPTY.withOnBuild(List.of("RUN echo triggered", "ENV FROM_TRIGGER=1"));
                return new BaseImage("docker-image://docker.io/library/onbuild-base:latest@sha256:" + "c".repeat(64),
                        ImageConfig.scratch(platform).withConfig(c)
                                .withRootfs(new ImageConfig.RootFs("layers", List.of("sha256:" + "d".repeat(64)))));
            }
            if (!reference.startsWith("base")) {
                throw new KilnException("image " + reference + " not found");
            }
            ContainerConfig c = ContainerConfig.EMPTY.withEnvVar("PATH", "/bin").withEnvVar("FROM_BASE", "1")
                    .withWorkingDir("/home").withCmd(List.of("sh"));
            ImageConfig cfg = ImageConfig.scratch(platform).withConfig(c)
                    .withRootfs(new ImageConfig.RootFs("layers", List.of("sha256:" + "a".repeat(64))));
            return new BaseImage("docker-image://docker.io/library/base:latest@sha256:" + "b".repeat(64), cfg);
        }

        @Override
        public BaseImage resolveNamedContext(String name, String value, Platform platform) {
            throw new KilnException("no named contexts here");
        }
    }

    static ConvertResult convert(String dockerfile, Map<String, String> args, String target, FakeResolver r) {
        return DockerfileConverter.convert(new ConvertRequest("Dockerfile", dockerfile, args, Optional.ofNullable(target),
                AMD64, List.of(), Map.of(), false, Set.of(), Instant.ofEpochSecond(1_700_000_000)), r);
    }

    static List<ExecOp> execs(Definition d) {
        return d.vertices().stream().map(Vertex::op).filter(o -> o instanceof ExecOp).map(o -> (ExecOp) o).toList();
    }

    @Test
    void runGetsShellEnvWorkdirUserAndDeclaredArgs() {
        ConvertResult r = convert("""
                FROM base
                ARG VERSION=1.0
                ENV GREETING="hello world"
                WORKDIR app
                USER 1000:50
                RUN echo $GREETING $VERSION
                """, Map.of(), null, new FakeResolver());
        ExecOp run = execs(r.definition()).getFirst();
        assertThat(run.meta().args()).containsExactly("/bin/sh", "-c", "echo $GREETING $VERSION");
        assertThat(run.meta().env()).contains("PATH=/bin", "FROM_BASE=1", "GREETING=hello world", "VERSION=1.0");
        assertThat(run.meta().cwd()).isEqualTo("/home/app");
        assertThat(run.meta().user()).isEqualTo("1000:50");
        ContainerConfig c = r.config().config();
        assertThat(c.env()).contains("GREETING=hello world").doesNotContain("VERSION=1.0");
        assertThat(c.workingDir()).isEqualTo("/home/app");
        assertThat(c.user()).isEqualTo("1000:50");
    }

    @Test
    void buildArgsOverrideDefaultsAndEnvOverridesArgs() {
        ConvertResult r = convert("""
                FROM base
                ARG NAME=default
                ARG SHADOW=fromarg
                ENV SHADOW=fromenv
                LABEL name=$NAME shadow=$SHADOW
                """, Map.of("NAME", "given"), null, new FakeResolver());
        assertThat(r.config().config().labels()).containsEntry("name", "given").containsEntry("shadow", "fromenv");
    }

    @Test
    void metaArgsReachFromAndRedeclaredArgsInheritTheirValue() {
        FakeResolver res = new FakeResolver();
        ConvertResult r = convert("""
                ARG TAG=1
                FROM base:${TAG}
                ARG TAG
                LABEL tag=$TAG
                """, Map.of(), null, res);
        assertThat(res.asked).containsExactly("base:1");
        assertThat(r.config().config().labels()).containsEntry("tag", "1");
    }

    @Test
    void onlyStagesTheTargetNeedsAreConvertedAndStageNamesIgnoreCase() {
        FakeResolver res = new FakeResolver();
        ConvertResult r = convert("""
                FROM base AS Builder
                RUN make
                FROM unreachable-image AS unused
                RUN never
                FROM scratch
                COPY --from=builder /out /out
                """, Map.of(), null, res);
        assertThat(res.asked).containsExactly("base");
        assertThat(execs(r.definition())).extracting(e -> e.meta().args().getLast()).containsExactly("make");
        FileOp copy = r.definition().vertices().stream().map(Vertex::op).filter(o -> o instanceof FileOp)
                .map(o -> (FileOp) o).reduce((a, b) -> b).orElseThrow();
        assertThat(copy.base()).isEqualTo(-1);
        assertThat(((FileAction.Copy) copy.actions().getFirst()).src()).isEqualTo("//out");
    }

    @Test
    void targetSelectsAStageAndAnUnknownTargetIsAnError() {
        FakeResolver res = new FakeResolver();
        ConvertResult r = convert("FROM base AS a\nRUN one\nFROM base AS b\nRUN two\n", Map.of(), "A", res);
        assertThat(execs(r.definition())).extracting(e -> e.meta().args().getLast()).containsExactly("one");
        assertThatThrownBy(() -> convert("FROM base AS a\n", Map.of(), "nope", res))
                .hasMessageContaining("target stage \"nope\" could not be found");
    }

    @Test
    void copyResolvesDestinationAgainstWorkdirAndRejectsSeveralSourcesIntoAFile() {
        ConvertResult r = convert("FROM base\nWORKDIR /srv\nCOPY a b ./\nCOPY c sub/file\n", Map.of(), null, new FakeResolver());
        List<FileAction.Copy> copies = r.definition().vertices().stream().map(Vertex::op)
                .filter(o -> o instanceof FileOp).flatMap(o -> ((FileOp) o).actions().stream())
                .filter(a -> a instanceof FileAction.Copy).map(a -> (FileAction.Copy) a).toList();
        assertThat(copies).extracting(FileAction.Copy::dest).containsExactly("/srv/", "/srv/", "/srv/sub/file");
        assertThatThrownBy(() -> convert("FROM base\nCOPY a b /dest\n", Map.of(), null, new FakeResolver()))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("Dockerfile:2")
                .hasMessageContaining("must be a directory and end with a /");
    }

    @Test
    void heredocRunsAsScriptAndCmdEntrypointFollowDockerRules() {
        ConvertResult r = convert("""
                FROM base
                RUN <<EOF
                echo one
                echo two
                EOF
                ENTRYPOINT ["/entry"]
                """, Map.of(), null, new FakeResolver());
        assertThat(execs(r.definition()).getFirst().meta().args()).containsExactly("/bin/sh", "-c", "echo one\necho two\n");
        assertThat(r.config().config().entrypoint()).containsExactly("/entry");
        assertThat(r.config().config().cmd()).as("ENTRYPOINT resets an inherited CMD").isNull();
    }

    @Test
    void historyHasOneEntryPerInstructionWithEmptyLayersMarked() {
        ConvertResult r = convert("FROM scratch\nENV A=b\nCOPY x /x\nCMD [\"/x\"]\n", Map.of(), null, new FakeResolver());
        List<ImageConfig.History> h = r.config().history();
        assertThat(h).extracting(ImageConfig.History::createdBy)
                .containsExactly("ENV A=b", "COPY x /x # buildkit", "CMD [\"/x\"]");
        assertThat(h).extracting(ImageConfig.History::isEmptyLayer).containsExactly(true, false, true);
        assertThat(r.config().config().env()).contains("PATH=" + StageConverter.DEFAULT_PATH);
    }

    @Test
    void missingBaseImageIsReportedAtTheFromLine() {
        assertThatThrownBy(() -> convert("# comment\nFROM missing:1\n", Map.of(), null, new FakeResolver()))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("Dockerfile:2")
                .hasMessageContaining("missing:1");
    }

    @Test
    void theContextSourceCarriesDockerignorePatternsAndIsSharedBySteps() {
        ConvertResult r = DockerfileConverter.convert(new ConvertRequest("Dockerfile", "FROM base\nCOPY a /a\nCOPY b /b\n",
                Map.of(), Optional.empty(), AMD64, List.of("*.log", "!keep.log"), Map.of(), false, Set.of(),
                Instant.EPOCH), new FakeResolver());
        List<SourceOp> locals = r.definition().vertices().stream().map(Vertex::op)
                .filter(o -> o instanceof SourceOp s && s.scheme().equals("local")).map(o -> (SourceOp) o).toList();
        assertThat(locals).hasSize(1);
        assertThat(locals.getFirst().attrs().get(SourceOp.ATTR_EXCLUDE)).isEqualTo("[\"*.log\",\"!keep.log\"]");
    }

    @Test
    void onbuildTriggersOfTheBaseRunFirstAndAreNotInherited() {
        ConvertResult r = convert("FROM onbuild-base\nRUN echo mine\n", Map.of(), null, new FakeResolver());
        assertThat(execs(r.definition())).extracting(e -> e.meta().args().getLast())
                .containsExactly("echo triggered", "echo mine");
        assertThat(r.config().config().env()).contains("FROM_TRIGGER=1");
        assertThat(r.config().config().onBuild()).isEmpty();
        ConvertResult own = convert("FROM base\nONBUILD RUN make\n", Map.of(), null, new FakeResolver());
        assertThat(own.config().config().onBuild()).containsExactly("RUN make");
    }

    @Test
    void onbuildOfAnEarlierStageRunsWhenAStageUsesItAsBase() {
        ConvertResult r = convert("FROM base AS parent\nONBUILD RUN echo triggered\nRUN echo parent\n"
                + "FROM parent\nRUN echo child\n", Map.of(), null, new FakeResolver());
        assertThat(execs(r.definition())).extracting(e -> e.meta().args().getLast())
                .containsExactly("echo parent", "echo triggered", "echo child");
        assertThat(r.config().config().onBuild()).isEmpty();
    }

    @Test
    void proxyBuildArgsReachRunWithoutArgButStayOutOfTheOpAndHistory() {
        String df = "FROM base\nRUN wget http://example/\n";
        ConvertResult plain = convert(df, Map.of(), null, new FakeResolver());
        ConvertResult proxied = convert(df, Map.of("HTTP_PROXY", "http://proxy:3128", "no_proxy", "localhost"), null,
                new FakeResolver());
        Vertex run = proxied.definition().vertices().stream().filter(v -> v.op() instanceof ExecOp).findFirst().orElseThrow();
        assertThat(run.meta().description()).containsEntry("proxy.env.HTTP_PROXY", "http://proxy:3128")
                .containsEntry("proxy.env.no_proxy", "localhost");
        assertThat(execs(proxied.definition())).isEqualTo(execs(plain.definition()));
        assertThat(proxied.config().history().toString()).doesNotContain("proxy:3128");
        ConvertResult declared = convert("FROM base\nARG HTTP_PROXY\nRUN wget http://example/\n",
                Map.of("HTTP_PROXY", "http://proxy:3128"), null, new FakeResolver());
        assertThat(execs(declared.definition()).getFirst().meta().env()).contains("HTTP_PROXY=http://proxy:3128");
    }

    @Test
    void aStageInheritsTheArgsItsBaseStageDeclaredAndWorkdirRootMakesNoStep() {
        ConvertResult r = convert("FROM base AS parent\nARG V=1\nFROM parent\nWORKDIR /\nRUN echo $V\n", Map.of("V", "2"),
                null, new FakeResolver());
        assertThat(execs(r.definition()).getLast().meta().env()).contains("V=2");
        assertThat(r.definition().vertices().stream().filter(v -> v.op() instanceof FileOp)).isEmpty();
        assertThat(r.config().config().workingDir()).isEqualTo("/");
    }

    @Test
    void anArgAfterAnEnvOfTheSameNameWinsInRunButNotInTheConfigAndRunHistoryListsArgs() {
        ConvertResult r = convert("FROM base\nENV X=from-env\nARG X=from-arg\nARG Y\nRUN echo $X\n", Map.of(), null,
                new FakeResolver());
        assertThat(execs(r.definition()).getFirst().meta().env()).contains("X=from-arg").doesNotContain("X=from-env");
        assertThat(r.config().config().env()).contains("X=from-env");
        assertThat(r.config().history().getLast().createdBy()).isEqualTo("RUN |2 X=from-arg Y= /bin/sh -c echo $X # buildkit");
    }

    @Test
    void aSecretGivenAsEnvWithoutTargetIsNotAlsoAFile() {
        ConvertResult r = convert("""
                FROM base
                RUN --mount=type=secret,id=tok,env=TOKEN --mount=type=secret,id=key true
                """, Map.of(), null, new FakeResolver());
        List<dev.kiln.llb.ExecMount> secrets = execs(r.definition()).getFirst().mounts().stream()
                .filter(m -> m.type() == dev.kiln.llb.ExecMount.MountType.SECRET).toList();
        assertThat(secrets).extracting(dev.kiln.llb.ExecMount::dest).containsExactly("", "/run/secrets/key");
        assertThat(secrets.getFirst().secret().env()).isEqualTo("TOKEN");
    }

    @Test
    void addUrlsBecomeSourceOpsAndChecksumsNeedOneHttpSource() {
        String sum = "sha256:" + "e".repeat(64);
        ConvertResult r = convert("FROM base\nADD --checksum=" + sum + " https://example.com/a/file.tgz /dst/\n"
                + "ADD https://example.com/repo.git#v1:docs /docs/\n", Map.of(), null, new FakeResolver());
        List<SourceOp> sources = r.definition().vertices().stream().map(Vertex::op).filter(o -> o instanceof SourceOp)
                .map(o -> (SourceOp) o).toList();
        assertThat(sources).anySatisfy(s -> {
            assertThat(s.identifier()).isEqualTo("https://example.com/a/file.tgz");
            assertThat(s.attrs()).containsEntry("http.checksum", sum).containsEntry("http.filename", "file.tgz");
        });
        assertThat(sources).anySatisfy(s -> {
            assertThat(s.identifier()).isEqualTo("git://example.com/repo.git#v1");
            assertThat(s.attrs()).containsEntry("git.subdir", "docs").containsEntry("git.fullurl", "https://example.com/repo.git");
        });
        assertThatThrownBy(() -> convert("FROM base\nADD --checksum=" + sum + " https://e.com/a https://e.com/b /d/\n",
                Map.of(), null, new FakeResolver())).hasMessageContaining("checksum can't be specified for multiple sources");
        assertThatThrownBy(() -> convert("FROM base\nCOPY https://e.com/a /d\n", Map.of(), null, new FakeResolver()))
                .hasMessageContaining("source can't be a URL for COPY");
    }
}
