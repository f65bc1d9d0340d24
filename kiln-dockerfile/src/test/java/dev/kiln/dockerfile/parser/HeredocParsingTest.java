package dev.kiln.dockerfile.parser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Heredoc forms and the delimiter rules BuildKit's parser applies (cases from its heredoc test). */
class HeredocParsingTest {
    private static Heredoc h(String name, String content, boolean expand) {
        return new Heredoc(name, 0, expand, false, content);
    }

    private static Heredoc chomped(String name, String content, boolean expand) {
        return new Heredoc(name, 0, expand, true, content);
    }

    @Test
    void manyForms() {
        String dockerfile = """

                FROM alpine:3.6

                ENV NAME=me

                RUN ls

                USER <<INVALID
                INVALID

                RUN <<EMPTY
                EMPTY

                RUN 3<<EMPTY2
                EMPTY2

                RUN "<<NOHEREDOC"

                RUN <<INDENT
                \tfoo
                \tbar
                INDENT

                RUN <<-UNINDENT
                \tbaz
                \tquux
                UNINDENT

                RUN <<-UNINDENT2
                \tbaz
                \tquux
                \tUNINDENT2

                RUN <<-'NOEXPAND'
                \tdon't expand $NAME
                NOEXPAND

                RUN <<COMMENT
                # internal comment
                echo foo bar # trailing comment
                COMMENT

                RUN --mount=type=cache,target=/foo <<MOUNT
                echo hello
                MOUNT

                COPY <<FILE1 <<FILE2 /dest
                content 1
                FILE1
                content 2
                FILE2

                COPY <<X <<Y /dest
                Y
                X
                X
                Y

                COPY <<file.txt /dest
                "foo"
                'bar'
                file.txt

                RUN <<eo'f'
                echo foo
                eof

                RUN <<eo\\'f
                echo foo
                eo'f

                RUN <<'e'o\\'f
                echo foo
                eo'f

                RUN <<'one two'
                echo bar
                one two

                RUN <<$EOF
                $EOF

                RUN <<  EOF
                EOF

                RUN <<  EOF  > foo
                EOF
                """;
        List<List<Heredoc>> expected = List.of(
                List.of(), // ENV
                List.of(), // RUN ls
                List.of(), // USER <<INVALID: USER takes no heredoc
                List.of(), // INVALID
                List.of(h("EMPTY", "", true)),
                List.of(new Heredoc("EMPTY2", 3, true, false, "")),
                List.of(), // RUN "<<NOHEREDOC"
                List.of(h("INDENT", "\tfoo\n\tbar\n", true)),
                List.of(chomped("UNINDENT", "\tbaz\n\tquux\n", true)),
                List.of(chomped("UNINDENT2", "\tbaz\n\tquux\n", true)),
                List.of(chomped("NOEXPAND", "\tdon't expand $NAME\n", false)),
                List.of(h("COMMENT", "# internal comment\necho foo bar # trailing comment\n", true)),
                List.of(h("MOUNT", "echo hello\n", true)),
                List.of(h("FILE1", "content 1\n", true), h("FILE2", "content 2\n", true)),
                List.of(h("X", "Y\n", true), h("Y", "X\n", true)),
                List.of(h("file.txt", "\"foo\"\n'bar'\n", true)),
                List.of(h("eof", "echo foo\n", false)),
                List.of(h("eo'f", "echo foo\n", true)),
                List.of(h("eo'f", "echo foo\n", false)),
                List.of(h("one two", "echo bar\n", false)),
                List.of(h("$EOF", "", true)),
                List.of(h("EOF", "", true)),
                List.of(h("EOF", "", true)));
        List<Node> nodes = DockerfileParser.parse("Dockerfile", dockerfile).ast().children();
        assertThat(nodes).hasSize(expected.size() + 1);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(nodes.get(i + 1).heredocs()).as("instruction %d: %s", i + 1, nodes.get(i + 1).original())
                    .isEqualTo(expected.get(i));
        }
        Node mount = nodes.get(13);
        assertThat(mount.flags()).containsExactly("--mount=type=cache,target=/foo");
        assertThat(mount.argValues()).containsExactly("<<MOUNT");
    }

    @Test
    void jsonFormHasNoHeredocs() {
        List<Node> nodes = DockerfileParser.parse("Dockerfile", "FROM a\nRUN [\"<<EOF\"]\nCOPY [\"<<EOF\", \"/x\"]\n").ast().children();
        assertThat(nodes).hasSize(3);
        assertThat(nodes.get(1).heredocs()).isEmpty();
        assertThat(nodes.get(2).heredocs()).isEmpty();
    }
}
