package dev.kiln.dockerfile.instructions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.shell.Env;
import dev.kiln.dockerfile.shell.ShellLex;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstructionParserTest {
    private static DockerfileModel parse(String text) {
        return InstructionParser.parse("Dockerfile", text);
    }

    private static Instruction only(String line) {
        return parse("FROM scratch\n" + line + "\n").stages().getFirst().commands().getFirst();
    }

    private static SourceException failure(String text) {
        try {
            parse(text);
        } catch (SourceException e) {
            return e;
        }
        throw new AssertionError("expected a SourceException for:\n" + text);
    }

    @Test
    void stagesMetaArgsAndNames() {
        DockerfileModel m = parse("""
                ARG BASE=alpine
                ARG V
                FROM --platform=$BUILDPLATFORM ${BASE}:3 AS Builder
                RUN make
                from scratch as final
                COPY --from=builder /out /
                """);
        assertThat(m.metaArgs()).hasSize(2);
        assertThat(m.metaArgs().getFirst().args()).containsExactly(new ArgInstruction.Arg("BASE", "alpine"));
        assertThat(m.metaArgs().get(1).args().getFirst().hasDefault()).isFalse();
        assertThat(m.stages()).hasSize(2);
        Stage builder = m.stages().getFirst();
        assertThat(builder.name()).isEqualTo("Builder");
        assertThat(builder.baseName()).isEqualTo("${BASE}:3");
        assertThat(builder.platformFlag()).isEqualTo("$BUILDPLATFORM");
        assertThat(builder.location().line()).isEqualTo(3);
        assertThat(builder.matches("builder")).isTrue();
        assertThat(builder.matches("BUILDER")).isTrue();
        assertThat(builder.matches("0")).isTrue();
        assertThat(builder.matches("final")).isFalse();
        assertThat(m.stage("builder")).contains(builder);
        assertThat(m.stage("1")).contains(m.stages().get(1));
        assertThat(m.target().name()).isEqualTo("final");
        assertThat(m.stages().get(1).platformFlag()).isNull();
        CopyInstruction copy = (CopyInstruction) m.target().commands().getFirst();
        assertThat(copy.from()).isEqualTo("builder");
        assertThat(m.warnings()).extracting(Warning::rule).contains("StageNameCasing");
    }

    @Test
    void runShellAndExecForms() {
        RunInstruction shell = (RunInstruction) only("RUN echo  hi && \\\n  ls");
        assertThat(shell.shellForm()).isTrue();
        assertThat(shell.command()).containsExactly("echo  hi &&   ls");
        assertThat(shell.network()).isEqualTo(NetworkMode.DEFAULT);
        assertThat(shell.security()).isEqualTo(SecurityMode.SANDBOX);
        RunInstruction exec = (RunInstruction) only("RUN [\"/bin/sh\", \"-c\", \"echo hi\"]");
        assertThat(exec.shellForm()).isFalse();
        assertThat(exec.command()).containsExactly("/bin/sh", "-c", "echo hi");
        RunInstruction net = (RunInstruction) only("RUN --network=none --security=insecure true");
        assertThat(net.network()).isEqualTo(NetworkMode.NONE);
        assertThat(net.security()).isEqualTo(SecurityMode.INSECURE);
        assertThat(((RunInstruction) only("RUN --network=host true")).network()).isEqualTo(NetworkMode.HOST);
    }

    @Test
    void runBadFlagsAreLocated() {
        assertThat(failure("FROM a\n\nRUN --network=bridge true").getMessage())
                .startsWith("Dockerfile:3: invalid network mode \"bridge\"");
        assertThat(failure("FROM a\nRUN --security=x true").detail()).contains("security \"x\" is not valid");
        assertThat(failure("FROM a\nRUN --mount true").detail()).contains("missing a value on flag: --mount");
        assertThat(failure("FROM a\nRUN --mont=type=cache,target=/x true").detail())
                .contains("unknown flag: --mont").contains("did you mean --mount?");
        assertThat(failure("FROM a\nRUN").detail()).contains("RUN requires at least one argument");
    }

    @Test
    void runMounts() {
        RunInstruction run = (RunInstruction) only("RUN --mount=type=cache,target=/root/.cache,id=go,sharing=locked,mode=0755,uid=1000,gid=1000 "
                + "--mount=type=secret,id=tok,env=TOKEN,required "
                + "--mount=type=tmpfs,dst=/tmp,size=64m "
                + "--mount=from=builder,src=/out,destination=/in,rw "
                + "--mount=type=ssh,ro=false "
                + "go build");
        assertThat(run.mounts()).hasSize(5);
        RunMount cache = run.mounts().getFirst();
        assertThat(cache).isEqualTo(new RunMount(RunMount.Type.CACHE, null, null, "/root/.cache", false, 0, "go",
                RunMount.Sharing.LOCKED, false, null, 0755, 1000L, 1000L));
        RunMount secret = run.mounts().get(1);
        assertThat(secret.type()).isEqualTo(RunMount.Type.SECRET);
        assertThat(secret.required()).isTrue();
        assertThat(secret.env()).isEqualTo("TOKEN");
        assertThat(secret.readOnly()).isTrue();
        RunMount tmpfs = run.mounts().get(2);
        assertThat(tmpfs.sizeLimit()).isEqualTo(64L << 20);
        assertThat(tmpfs.target()).isEqualTo("/tmp");
        assertThat(tmpfs.readOnly()).isFalse();
        RunMount bind = run.mounts().get(3);
        assertThat(bind.type()).isEqualTo(RunMount.Type.BIND);
        assertThat(bind.from()).isEqualTo("builder");
        assertThat(bind.source()).isEqualTo("/out");
        assertThat(bind.target()).isEqualTo("/in");
        assertThat(bind.readOnly()).isFalse();
        RunMount ssh = run.mounts().get(4);
        assertThat(ssh.type()).isEqualTo(RunMount.Type.SSH);
        assertThat(ssh.readOnly()).isFalse();
        assertThat(run.mountSpecs()).hasSize(5);
    }

    @Test
    void runMountErrors() {
        assertThat(failure("FROM a\nRUN --mount=type=cach,target=/x true").detail())
                .contains("unsupported mount type \"cach\"").contains("did you mean cache?");
        assertThat(failure("FROM a\nRUN --mount=type=bind,mode=0700,target=/x true").detail())
                .contains("mode not allowed for \"bind\" type mounts");
        assertThat(failure("FROM a\nRUN --mount=type=bind,size=1g,target=/x true").detail())
                .contains("unexpected key 'size' for mount type 'bind'");
        assertThat(failure("FROM a\nRUN --mount=type=cache,sharing=maybe,target=/x true").detail())
                .contains("unsupported sharing value \"maybe\"");
        assertThat(failure("FROM a\nRUN --mount=type=secret true").detail()).contains("one of source, target required");
        assertThat(failure("FROM a\nRUN --mount=type=secret,id=a,src=b true").detail()).contains("both source and id can't be set");
        assertThat(failure("FROM a\nRUN --mount=type=bind,sharing=shared,target=/x true").detail())
                .contains("invalid cache sharing set for bind mount");
        assertThat(failure("FROM a\nRUN --mount=type=cache,targte=/x true").detail())
                .contains("unexpected key 'targte'").contains("did you mean target?");
        assertThat(failure("FROM a\nRUN --mount=type=cache,uid=x,target=/x true").detail()).contains("invalid value x for uid");
        assertThat(failure("FROM a\nRUN --mount=type=bind,from=$STAGE,target=/x true").detail())
                .contains("'from' doesn't support variable expansion");
        assertThat(failure("FROM a\nRUN --mount=type=bind,required,target=/x true").detail())
                .contains("unexpected key 'required' for mount type 'bind'");
        assertThat(failure("FROM a\nRUN --mount=type=bind,bogus true").detail()).contains("must be a key=value pair");
        assertThat(failure("FROM a\nRUN --mount=type=bind,target=/x\\\"y true").detail()).contains("failed to parse csv mounts");
    }

    @Test
    void runMountVariablesAreDeferredThenExpanded() {
        RunInstruction run = (RunInstruction) only("RUN --mount=type=cache,id=$ID,target=/c,uid=$UID true");
        RunMount lenient = run.mounts().getFirst();
        assertThat(lenient.id()).isEqualTo("$ID");
        assertThat(lenient.uid()).isNull();
        ShellWordExpander e = new ShellWordExpander(new ShellLex('\\'), Env.of(Map.of("ID", "gocache", "UID", "42")));
        RunMount expanded = run.expand(e).mounts().getFirst();
        assertThat(expanded.id()).isEqualTo("gocache");
        assertThat(expanded.uid()).isEqualTo(42L);
        assertThat(e.used()).containsExactlyInAnyOrder("ID", "UID");
        assertThatThrownBy(() -> run.expand(new ShellWordExpander(new ShellLex('\\'), Env.of(Map.of("ID", "x", "UID", "abc")))))
                .isInstanceOf(SourceException.class).hasMessageStartingWith("Dockerfile:2: invalid value abc for uid");
    }

    @Test
    void runHeredocs() {
        RunInstruction run = (RunInstruction) parse("FROM a\nRUN <<EOF bash\necho $HOME\nEOF\n").stages().getFirst().commands().getFirst();
        assertThat(run.command()).containsExactly("<<EOF bash");
        assertThat(run.heredocs()).hasSize(1);
        assertThat(run.heredocs().getFirst().name()).isEqualTo("EOF");
        assertThat(run.heredocs().getFirst().content()).isEqualTo("echo $HOME\n");
        assertThat(run.heredocs().getFirst().expand()).isTrue();
    }

    @Test
    void cmdEntrypointShell() {
        CmdInstruction cmd = (CmdInstruction) only("CMD [\"a\", \"b\"]");
        assertThat(cmd.command()).containsExactly("a", "b");
        assertThat(cmd.shellForm()).isFalse();
        assertThat(((CmdInstruction) only("CMD echo hi")).command()).containsExactly("echo hi");
        EntrypointInstruction ep = (EntrypointInstruction) only("ENTRYPOINT []");
        assertThat(ep.command()).isEmpty();
        assertThat(ep.shellForm()).isFalse();
        ShellInstruction sh = (ShellInstruction) only("SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]");
        assertThat(sh.shell()).containsExactly("/bin/bash", "-eo", "pipefail", "-c");
        assertThat(failure("FROM a\nSHELL /bin/bash -c").detail()).isEqualTo("SHELL requires the arguments to be in JSON form");
        assertThat(failure("FROM a\nSHELL []").detail()).isEqualTo("SHELL requires at least one argument");
        assertThat(failure("FROM a\nCMD --foo=bar x").detail()).startsWith("unknown flag: --foo");
    }

    @Test
    void envAndLabel() {
        EnvInstruction legacy = (EnvInstruction) only("ENV PATH /usr/bin:$PATH");
        assertThat(legacy.env()).containsExactly(new KeyValue("PATH", "/usr/bin:$PATH", true));
        EnvInstruction pairs = (EnvInstruction) only("ENV A=1 B=\"two words\" C=");
        assertThat(pairs.env()).containsExactly(new KeyValue("A", "1", false), new KeyValue("B", "\"two words\"", false),
                new KeyValue("C", "", false));
        EnvInstruction expanded = pairs.expand(new ShellWordExpander(new ShellLex('\\'), Env.empty()));
        assertThat(expanded.env().get(1).value()).isEqualTo("two words");
        LabelInstruction label = (LabelInstruction) only("LABEL org.opencontainers.image.title=\"Kiln ${V}\" x=y");
        LabelInstruction l2 = label.expand(new ShellWordExpander(new ShellLex('\\'), Env.of(Map.of("V", "1"))));
        assertThat(l2.labels()).containsExactly(new KeyValue("org.opencontainers.image.title", "Kiln 1", false),
                new KeyValue("x", "y", false));
        assertThat(failure("FROM a\nENV A").detail()).isEqualTo("ENV must have two arguments");
        assertThat(failure("FROM a\nENV A=1 B").detail()).contains("can't find = in \"B\"");
        assertThat(failure("FROM a\nLABEL").detail()).isEqualTo("LABEL requires at least one argument");
        assertThat(failure("FROM a\nENV =x").detail()).isEqualTo("ENV names can not be blank");
    }

    @Test
    void argForms() {
        ArgInstruction arg = (ArgInstruction) only("ARG A B=2 C=\"x y\"");
        assertThat(arg.args()).containsExactly(new ArgInstruction.Arg("A", null), new ArgInstruction.Arg("B", "2"),
                new ArgInstruction.Arg("C", "\"x y\""));
        assertThat(arg.expand(new ShellWordExpander(new ShellLex('\\'), Env.empty())).args().get(2).defaultValue())
                .isEqualTo("x y");
        ArgInstruction named = ((ArgInstruction) only("ARG $N=${D:-x}")).expand(
                new ShellWordExpander(new ShellLex('\\'), Env.of(Map.of("N", "name"))));
        assertThat(named.args()).containsExactly(new ArgInstruction.Arg("$N", "x"));
        assertThat(failure("FROM a\nARG =1").detail()).isEqualTo("ARG names can not be blank");
        assertThat(failure("FROM a\nARG").detail()).isEqualTo("ARG requires at least one argument");
    }

    @Test
    void copyAndAddFlags() {
        CopyInstruction c = (CopyInstruction) only("COPY --from=build --chown=app:app --chmod=0644 --link --parents "
                + "--exclude=*.md --exclude=tmp a b /dst/");
        assertThat(c.sources()).containsExactly("a", "b");
        assertThat(c.dest()).isEqualTo("/dst/");
        assertThat(c.from()).isEqualTo("build");
        assertThat(c.chown()).isEqualTo("app:app");
        assertThat(c.chmod()).isEqualTo("0644");
        assertThat(c.link()).isTrue();
        assertThat(c.parents()).isTrue();
        assertThat(c.excludes()).containsExactly("*.md", "tmp");
        CopyInstruction plain = (CopyInstruction) only("COPY [\"a b\", \"/c\"]");
        assertThat(plain.sources()).containsExactly("a b");
        assertThat(plain.from()).isNull();
        assertThat(plain.chown()).isNull();
        assertThat(plain.link()).isFalse();

        AddInstruction a = (AddInstruction) only("ADD --checksum=sha256:abc --keep-git-dir=false --unpack --chmod=755 "
                + "--link --exclude=x https://example.com/a.tgz /opt/");
        assertThat(a.checksum()).isEqualTo("sha256:abc");
        assertThat(a.keepGitDir()).isFalse();
        assertThat(a.unpack()).isTrue();
        assertThat(a.chmod()).isEqualTo("755");
        assertThat(a.link()).isTrue();
        assertThat(a.excludes()).containsExactly("x");
        AddInstruction defaults = (AddInstruction) only("ADD a /b");
        assertThat(defaults.keepGitDir()).isNull();
        assertThat(defaults.unpack()).isNull();

        assertThat(failure("FROM a\nCOPY --form=x a /b").detail())
                .contains("unknown flag: --form").contains("did you mean --from?");
        assertThat(failure("FROM a\nADD --from=x a /b").detail()).contains("unknown flag: --from");
        assertThat(failure("FROM a\nCOPY --parents=maybe a /b").detail())
                .contains("expecting boolean value for flag --parents, not: maybe");
        assertThat(failure("FROM a\nCOPY --from=a --from=b x /y").detail()).contains("duplicate flag specified: --from");
        assertThat(failure("FROM a\nCOPY onlyone").detail()).contains("COPY requires at least two arguments");
        assertThat(failure("FROM a\nADD onlyone").detail()).contains("ADD requires at least two arguments");
        assertThat(failure("FROM a\nCOPY a <<EOF\nx\nEOF").detail()).contains("COPY cannot accept a heredoc as a destination");
    }

    @Test
    void copyExpansion() {
        CopyInstruction c = (CopyInstruction) only("COPY --from=$S --chown=${U}:${G:-staff} $SRC/*.txt ${DST}/");
        ShellWordExpander e = new ShellWordExpander(new ShellLex('\\'),
                Env.of(Map.of("S", "build", "U", "app", "SRC", "docs", "DST", "/srv")));
        CopyInstruction x = c.expand(e);
        assertThat(x.from()).isEqualTo("build");
        assertThat(x.chown()).isEqualTo("app:staff");
        assertThat(x.sources()).containsExactly("docs/*.txt");
        assertThat(x.dest()).isEqualTo("/srv/");
        assertThat(e.used()).containsExactlyInAnyOrder("S", "U", "SRC", "DST");
        assertThat(e.undefined()).containsExactly("G");
    }

    @Test
    void copyHeredocSources() {
        DockerfileModel m = parse("FROM a\nCOPY <<one <<\"two\" <<-three /dst/\nfirst $X\none\nsecond $X\ntwo\n\t\tthird\n\tthree\n");
        assertThat(m.stages().getFirst().commands()).hasSize(1);
        CopyInstruction c = (CopyInstruction) m.stages().getFirst().commands().getFirst();
        assertThat(c.sources()).isEmpty();
        assertThat(c.contents()).containsExactly(new SourceContent("one", "first $X\n", true),
                new SourceContent("two", "second $X\n", false), new SourceContent("three", "third\n", true));
        CopyInstruction x = c.expandContents(ShellWordExpander.forHeredocContent(Env.of(Map.of("X", "1"))));
        assertThat(x.contents()).extracting(SourceContent::data).containsExactly("first 1\n", "second $X\n", "third\n");
        CopyInstruction q = (CopyInstruction) parse("FROM a\nCOPY <<EOF /x\necho \"$X\" '$X'\nEOF\n").stages().getFirst().commands().getFirst();
        assertThat(q.expandContents(ShellWordExpander.forHeredocContent(Env.of(Map.of("X", "1")))).contents().getFirst().data())
                .isEqualTo("echo \"1\" '1'\n");
    }

    @Test
    void simpleOneArgumentInstructions() {
        assertThat(((UserInstruction) only("USER app:app")).user()).isEqualTo("app:app");
        assertThat(((WorkdirInstruction) only("WORKDIR /srv/app")).path()).isEqualTo("/srv/app");
        assertThat(((StopSignalInstruction) only("STOPSIGNAL SIGKILL")).signal()).isEqualTo("SIGKILL");
        assertThat(((MaintainerInstruction) only("MAINTAINER Jane <j@x>")).maintainer()).isEqualTo("Jane <j@x>");
        assertThat(failure("FROM a\nUSER").detail()).isEqualTo("USER requires exactly one argument");
        assertThat(failure("FROM a\nWORKDIR").detail()).isEqualTo("WORKDIR requires exactly one argument");
        assertThat(failure("FROM a\nSTOPSIGNAL --x=1 TERM").detail()).contains("unknown flag: --x");
        WorkdirInstruction w = ((WorkdirInstruction) only("WORKDIR $HOME/app"))
                .expand(new ShellWordExpander(new ShellLex('\\'), Env.of(Map.of("HOME", "/root"))));
        assertThat(w.path()).isEqualTo("/root/app");
        assertThat(parse("FROM a\nMAINTAINER x").warnings()).extracting(Warning::rule).containsExactly("MaintainerDeprecated");
    }

    @Test
    void exposeAndVolume() {
        ExposeInstruction ex = (ExposeInstruction) only("EXPOSE 8080/tcp 80 $PORTS");
        assertThat(ex.ports()).containsExactly("$PORTS", "80", "8080/tcp");
        ExposeInstruction expanded = ex.expand(new ShellWordExpander(new ShellLex('\\'), Env.of(Map.of("PORTS", "1 2"))));
        assertThat(expanded.ports()).containsExactly("1", "2", "80", "8080/tcp");
        assertThat(failure("FROM a\nEXPOSE").detail()).isEqualTo("EXPOSE requires at least one argument");
        assertThat(((VolumeInstruction) only("VOLUME /a /b")).volumes()).containsExactly("/a", "/b");
        assertThat(((VolumeInstruction) only("VOLUME [\"/data\"]")).volumes()).containsExactly("/data");
        assertThat(failure("FROM a\nVOLUME [\" \"]").detail()).contains("VOLUME specified can not be an empty string");
        assertThat(failure("FROM a\nVOLUME").detail()).isEqualTo("VOLUME requires at least one argument");
    }

    @Test
    void onbuild() {
        OnbuildInstruction o = (OnbuildInstruction) only("ONBUILD RUN echo hi");
        assertThat(o.expression()).isEqualTo("RUN echo hi");
        OnbuildInstruction h = (OnbuildInstruction) parse("FROM a\nONBUILD RUN <<EOF\necho x\nEOF\n").stages().getFirst().commands().getFirst();
        assertThat(h.expression()).isEqualTo("RUN <<EOF\necho x\nEOF");
        assertThat(failure("FROM a\nONBUILD ONBUILD RUN x").detail()).contains("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        assertThat(failure("FROM a\nONBUILD FROM x").detail()).isEqualTo("FROM isn't allowed as an ONBUILD trigger");
        assertThat(failure("FROM a\nONBUILD maintainer x").detail()).isEqualTo("MAINTAINER isn't allowed as an ONBUILD trigger");
        assertThat(failure("FROM a\nONBUILD RUNN x").detail()).contains("unknown instruction RUNN").contains("did you mean RUN?");
        assertThat(failure("FROM a\nONBUILD").detail()).isEqualTo("ONBUILD requires at least one argument");
    }

    @Test
    void onbuildTriggersRoundTrip() {
        DockerfileModel m = parse("FROM a\nONBUILD COPY . /app\nONBUILD RUN <<EOF\necho $X\nEOF\n");
        List<String> triggers = m.target().commandsOf(OnbuildInstruction.class).stream().map(OnbuildInstruction::expression).toList();
        List<Instruction> parsed = InstructionParser.parseTriggers("base:1", triggers);
        assertThat(parsed).hasSize(2);
        assertThat(((CopyInstruction) parsed.getFirst()).sources()).containsExactly(".");
        RunInstruction run = (RunInstruction) parsed.get(1);
        assertThat(run.heredocs()).extracting(h -> h.content()).containsExactly("echo $X\n");
        assertThat(InstructionParser.parseTriggers("base:1", List.of())).isEmpty();
        assertThatThrownBy(() -> InstructionParser.parseTriggers("base:1", List.of("RUN x", "FROM y")))
                .isInstanceOf(SourceException.class).hasMessageStartingWith("base:1:2: FROM isn't allowed as an ONBUILD trigger");
        assertThatThrownBy(() -> InstructionParser.parseTriggers("base:1", List.of("RUNN x")))
                .hasMessageContaining("did you mean RUN?");
    }

    @Test
    void healthcheck() {
        HealthcheckInstruction none = (HealthcheckInstruction) only("HEALTHCHECK NONE");
        assertThat(none.disabled()).isTrue();
        HealthcheckInstruction h = (HealthcheckInstruction) only(
                "HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=500ms --start-interval=2s --retries=3 CMD curl -f http://localhost/");
        assertThat(h.test()).containsExactly("CMD-SHELL", "curl -f http://localhost/");
        assertThat(h.interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(h.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(h.startPeriod()).isEqualTo(Duration.ofMillis(500));
        assertThat(h.startInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(h.retries()).isEqualTo(3);
        assertThat(h.disabled()).isFalse();
        HealthcheckInstruction exec = (HealthcheckInstruction) only("HEALTHCHECK CMD [\"/bin/check\", \"-q\"]");
        assertThat(exec.test()).containsExactly("CMD", "/bin/check", "-q");
        assertThat(exec.interval()).isEqualTo(Duration.ZERO);
        assertThat(failure("FROM a\nHEALTHCHECK NONE x").detail()).isEqualTo("HEALTHCHECK NONE takes no arguments");
        assertThat(failure("FROM a\nHEALTHCHECK CONNECT x").detail()).contains("Unknown type \"CONNECT\" in HEALTHCHECK");
        assertThat(failure("FROM a\nHEALTHCHECK CMD").detail()).isEqualTo("Missing command after HEALTHCHECK CMD");
        assertThat(failure("FROM a\nHEALTHCHECK --interval=1us CMD x").detail()).contains("cannot be less than 1ms");
        assertThat(failure("FROM a\nHEALTHCHECK --interval=5 CMD x").detail()).contains("missing unit");
        assertThat(failure("FROM a\nHEALTHCHECK --retries=-1 CMD x").detail()).contains("--retries cannot be negative");
        assertThat(failure("FROM a\nHEALTHCHECK --interval=1s NONE").detail()).contains("unknown flag: --interval");
        assertThat(failure("FROM a\nHEALTHCHECK").detail()).isEqualTo("HEALTHCHECK requires at least one argument");
    }

    @Test
    void unknownInstructionSuggestsAndLocates() {
        SourceException e = failure("# comment\nFORM alpine\n");
        assertThat(e.location().line()).isEqualTo(2);
        assertThat(e.detail()).contains("unknown instruction FORM").contains("did you mean FROM?");
        assertThat(e.getMessage()).startsWith("Dockerfile:2: unknown instruction FORM").contains("FORM alpine");
        assertThat(failure("FROM a\ncopyy a b").detail()).contains("did you mean copy?");
        assertThat(failure("FROM a\nFROBNICATE x").detail()).isEqualTo("unknown instruction FROBNICATE");
    }

    @Test
    void structuralErrors() {
        assertThat(failure("").getMessage()).contains("file with no instructions");
        assertThat(failure("# only a comment\n\n").getMessage()).contains("file with no instructions");
        SourceException noFrom = failure("ARG A=1\nARG B\n");
        assertThat(noFrom.detail()).contains("no FROM instruction");
        assertThat(noFrom.location().line()).isEqualTo(2);
        SourceException before = failure("ARG A\nRUN true\nFROM x\n");
        assertThat(before.location().line()).isEqualTo(2);
        assertThat(before.detail()).contains("RUN before the first FROM");
        assertThat(failure("FROM a b").detail()).isEqualTo("FROM requires either one or three arguments");
        assertThat(failure("FROM a AS 1x").detail()).contains("invalid name for build stage: \"1x\"");
        assertThat(failure("FROM a AS x\nFROM b AS X").detail()).isEqualTo("duplicate stage name \"X\"");
        assertThat(failure("FROM --platfrom=x a").detail()).contains("did you mean --platform?");
        assertThat(failure("FROM a\n\n\nRUN x \\\n  && y\nCOPY").location().line()).isEqualTo(6);
    }

    @Test
    void emptyContinuationBecomesWarning() {
        DockerfileModel m = parse("FROM a\nRUN a \\\n\n  b\n");
        assertThat(m.warnings()).extracting(Warning::rule).containsExactly("NoEmptyContinuation");
        assertThat(((RunInstruction) m.stages().getFirst().commands().getFirst()).command()).containsExactly("a   b");
    }

    @Test
    void directivesReachTheModel() {
        DockerfileModel m = parse("# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM a\nRUN echo `\n  hi\n");
        assertThat(m.directives().syntax()).isEqualTo("docker/dockerfile:1");
        assertThat(m.directives().escape()).isEqualTo('`');
        assertThat(m.directives().check()).isEqualTo("skip=all");
        assertThat(((RunInstruction) m.stages().getFirst().commands().getFirst()).command()).containsExactly("echo   hi");
    }

    @Test
    void keywordAndOriginal() {
        Instruction i = only("stopsignal  9");
        assertThat(i.keyword()).isEqualTo("STOPSIGNAL");
        assertThat(i.original()).isEqualTo("stopsignal  9");
        assertThat(List.of(only("HEALTHCHECK NONE").keyword(), only("RUN x").keyword())).containsExactly("HEALTHCHECK", "RUN");
    }
}
