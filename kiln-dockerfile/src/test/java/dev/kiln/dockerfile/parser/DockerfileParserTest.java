package dev.kiln.dockerfile.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.SourceException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerfileParserTest {
    private static ParseResult parse(String text) {
        return DockerfileParser.parse("Dockerfile", text);
    }

    private static List<Node> instructions(String text) {
        return parse(text).ast().children();
    }

    private static String dump(String text) {
        return AstDumper.dump(parse(text).ast());
    }

    @Test
    void linesAndOriginalText() {
        List<Node> nodes = instructions("# comment\nFROM a\n\nRUN echo \\\n  one \\\n  # inner comment\n  two\nCMD x\n");
        assertThat(nodes).extracting(Node::startLine).containsExactly(2, 4, 8);
        assertThat(nodes).extracting(Node::endLine).containsExactly(2, 7, 8);
        assertThat(nodes.get(1).original()).isEqualTo("RUN echo   one   two");
        assertThat(nodes.get(1).argValues()).containsExactly("echo   one   two");
        assertThat(nodes.get(1).comments()).isEmpty();
        assertThat(nodes.getFirst().comments()).containsExactly("comment");
    }

    @Test
    void directives() {
        ParseResult r = parse("# syntax = docker/dockerfile:1.7\n#escape=`\n# check = skip=JSONArgsRecommended\nFROM a\n");
        assertThat(r.directives()).isEqualTo(new Directives("docker/dockerfile:1.7", '`', "skip=JSONArgsRecommended"));
        assertThat(r.escapeToken()).isEqualTo('`');
        assertThat(r.ast().children().getFirst().comments()).isEmpty();
        // a directive after a normal comment is just a comment
        ParseResult late = parse("# hello\n# escape=`\nFROM a\nRUN a \\\n b\n");
        assertThat(late.escapeToken()).isEqualTo('\\');
        assertThat(late.ast().children().get(1).original()).isEqualTo("RUN a  b");
        // unknown keys end the directive section
        assertThat(parse("# foo=bar\n# escape=`\nFROM a\n").escapeToken()).isEqualTo('\\');
        assertThat(parse("FROM a\n").directives()).isEqualTo(Directives.defaults());
    }

    @Test
    void directiveErrors() {
        assertThatThrownBy(() -> parse("# escape=x\nFROM a\n")).isInstanceOf(SourceException.class)
                .hasMessageStartingWith("Dockerfile:1: invalid escape token 'x' does not match ` or \\");
        assertThatThrownBy(() -> parse("# syntax=a\n# syntax=b\nFROM a\n"))
                .hasMessageStartingWith("Dockerfile:2: only one syntax parser directive can be used");
    }

    @Test
    void backtickEscape() {
        Node run = instructions("# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo\n").get(1);
        assertThat(run.original()).isEqualTo("RUN dir c:\\   && echo");
        assertThat(run.startLine()).isEqualTo(3);
        assertThat(run.endLine()).isEqualTo(4);
    }

    @Test
    void emptyContinuationLinesWarn() {
        ParseResult r = parse("FROM a\nRUN a \\\n\n   \n  b\n");
        assertThat(r.warnings()).hasSize(1);
        assertThat(r.warnings().getFirst().message()).isEqualTo("Empty continuation line found in: RUN a   b");
        assertThat(r.warnings().getFirst().line()).isEqualTo(5);
        assertThat(parse("FROM a\nRUN a \\\n  b\n").warnings()).isEmpty();
    }

    @Test
    void jsonAndShellForms() {
        assertThat(dump("CMD [\"a\", \"b\"]\nCMD [\"a\", 1]x\nENTRYPOINT ['a']\nRUN [ \"x\" ] y")).isEqualTo(
                "(cmd \"a\" \"b\")\n(cmd \"[\\\"a\\\", 1]x\")\n(entrypoint \"['a']\")\n(run \"[ \\\"x\\\" ] y\")");
        assertThat(instructions("CMD [\"a\"]").getFirst().isJson()).isTrue();
        assertThat(instructions("CMD a").getFirst().isJson()).isFalse();
        assertThat(instructions("CMD [\"a\"]").getFirst().attributes()).containsEntry("json", true);
        assertThat(instructions("CMD a").getFirst().attributes()).isEmpty();
        assertThatThrownBy(() -> parse("FROM a\nCMD [\"a\", 1]\n")).isInstanceOf(SourceException.class)
                .hasMessageStartingWith("Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only");
        assertThat(dump("COPY [\"a b\",\"c\"]\nCOPY a  b\nVOLUME [\"/v\"]")).isEqualTo(
                "(copy \"a b\" \"c\")\n(copy \"a\" \"b\")\n(volume \"/v\")");
        assertThat(dump("CMD [\"\\u00e9\\ud83d\\ude00\", \"\\t\"]")).isEqualTo("(cmd \"é😀\" \"\\t\")");
    }

    @Test
    void flagsAreSplitOff() {
        Node copy = instructions("COPY --from=build --chown=\"a b\" -- --not-a-flag /dst").getFirst();
        assertThat(copy.flags()).containsExactly("--from=build", "--chown=a b");
        assertThat(copy.argValues()).containsExactly("--not-a-flag", "/dst");
        assertThat(instructions("RUN --mount=type=cache,target=/x -x").getFirst().flags())
                .containsExactly("--mount=type=cache,target=/x");
    }

    @Test
    void envLabelArgForms() {
        assertThat(dump("ENV A B C\nENV A=1 B=\"2 3\"\nLABEL a=b\nARG X Y=1 Z=\"q r\"")).isEqualTo(
                "(env \"A\" \"B C\" \"\")\n(env \"A\" \"1\" \"=\" \"B\" \"\\\"2 3\\\"\" \"=\")\n(label \"a\" \"b\" \"=\")\n"
                        + "(arg \"X\" \"Y=1\" \"Z=\\\"q r\\\"\")");
        assertThatThrownBy(() -> parse("FROM a\nENV A=1 B\n")).hasMessageContaining("can't find = in \"B\"");
    }

    @Test
    void onbuildHasChild() {
        Node onbuild = instructions("ONBUILD RUN [\"a\"]").getFirst();
        assertThat(onbuild.next().children()).hasSize(1);
        Node child = onbuild.next().children().getFirst();
        assertThat(child.value()).isEqualTo("RUN");
        assertThat(child.isJson()).isTrue();
        assertThat(AstDumper.dump(parse("ONBUILD ADD . /app").ast())).isEqualTo("(onbuild (add \".\" \"/app\"))");
    }

    @Test
    void heredocBasic() {
        Node run = instructions("FROM a\nRUN <<EOF\necho hi\n  echo $X\nEOF\nCMD x\n").get(1);
        assertThat(run.heredocs()).containsExactly(new Heredoc("EOF", 0, true, false, "echo hi\n  echo $X\n"));
        assertThat(run.startLine()).isEqualTo(2);
        assertThat(run.endLine()).isEqualTo(5);
        assertThat(instructions("FROM a\nRUN <<EOF\necho hi\nEOF\nCMD x\n").get(2).startLine()).isEqualTo(5);
    }

    @Test
    void heredocQuotedChompAndFd() {
        Node run = instructions("RUN <<'A' 3<<-\"B\" cat\n$x\nA\n\t\tb\n\tB\n").getFirst();
        assertThat(run.heredocs()).containsExactly(
                new Heredoc("A", 0, false, false, "$x\n"),
                new Heredoc("B", 3, false, true, "\t\tb\n"));
        assertThat(run.heredocs().get(1).chompedContent()).isEqualTo("b\n");
        Node partial = instructions("RUN <<E\"O\"F\nx\nEOF\n").getFirst();
        assertThat(partial.heredocs().getFirst().name()).isEqualTo("EOF");
        assertThat(partial.heredocs().getFirst().expand()).isFalse();
        Node spaced = instructions("RUN << EOF\nx\nEOF\n").getFirst();
        assertThat(spaced.heredocs()).extracting(Heredoc::name).containsExactly("EOF");
    }

    @Test
    void heredocsOnlyForRunCopyAdd() {
        Node copy = instructions("COPY <<EOF /x\nhello\nEOF\n").getFirst();
        assertThat(copy.heredocs()).hasSize(1);
        Node add = instructions("ADD <<EOF /x\nhello\nEOF\n").getFirst();
        assertThat(add.heredocs()).hasSize(1);
        List<Node> cmd = instructions("CMD <<EOF\nRUN x\nEOF\n");
        assertThat(cmd).hasSize(3); // CMD does not take heredocs: the following lines are instructions
        assertThat(cmd.getFirst().heredocs()).isEmpty();
        assertThat(instructions("RUN [\"<<EOF\"]\nEOF\n")).hasSize(2); // JSON form: no heredoc
        Node onbuild = instructions("ONBUILD RUN <<EOF\nx\nEOF\n").getFirst();
        assertThat(onbuild.heredocs()).extracting(Heredoc::content).containsExactly("x\n");
        assertThat(instructions("RUN echo a<<b\nb\n").getFirst().heredocs()).isEmpty(); // not a separate word
    }

    @Test
    void unterminatedHeredocIsAnError() {
        assertThatThrownBy(() -> parse("FROM a\nRUN <<EOF\nno end\n")).isInstanceOf(SourceException.class)
                .hasMessageStartingWith("Dockerfile:2: unterminated heredoc");
    }

    @Test
    void noInstructions() {
        for (String text : List.of("", "\n\n", "# a\n# b\n", "\uFEFF")) {
            assertThatThrownBy(() -> parse(text)).isInstanceOf(SourceException.class).hasMessageContaining("file with no instructions");
        }
    }

    @Test
    void bomAndCrlf() {
        List<Node> nodes = instructions("\uFEFFFROM a\r\nRUN b \\\r\n  c\r\n");
        assertThat(nodes.getFirst().value()).isEqualTo("FROM");
        assertThat(nodes.get(1).original()).isEqualTo("RUN b   c");
    }

    @Test
    void quoteLikeGo() {
        assertThat(AstDumper.quote("a\"b\\c\n\u0001\u007f\u00a0é")).isEqualTo("\"a\\\"b\\\\c\\n\\x01\\x7f\\u00a0é\"");
    }

    @Test
    void parseHeredocWord() {
        assertThat(DockerfileParser.parseHeredoc("<<EOF")).isEqualTo(new Heredoc("EOF", 0, true, false, ""));
        assertThat(DockerfileParser.parseHeredoc("2<<-'X'")).isEqualTo(new Heredoc("X", 2, false, true, ""));
        assertThat(DockerfileParser.parseHeredoc("<<")).isNull();
        assertThat(DockerfileParser.parseHeredoc("file")).isNull();
        assertThat(DockerfileParser.parseHeredoc("<<a b")).isNull();
    }
}
