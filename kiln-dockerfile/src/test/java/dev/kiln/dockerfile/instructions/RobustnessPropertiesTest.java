package dev.kiln.dockerfile.instructions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.SourceException;
import dev.kiln.dockerfile.shell.Env;
import dev.kiln.dockerfile.shell.ShellExpansionException;
import dev.kiln.dockerfile.shell.ShellLex;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** Whatever the input, reading a Dockerfile either succeeds or fails with a located SourceException. */
class RobustnessPropertiesTest {
    private static final List<String> PIECES = List.of("FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "CMD",
            "ENTRYPOINT", "ONBUILD", "HEALTHCHECK", "SHELL", "VOLUME", "EXPOSE", "USER", "WORKDIR", "STOPSIGNAL", "FORM",
            " ", " ", " ", "\t", "\n", "\n", "\\\n", "\\", "`", "#", "# escape=`\n", "\"", "'", "[", "]", ",", "=", "$", "${",
            "}", ":-", "<<", "<<-", "EOF", "\nEOF\n", "--", "--mount=", "type=cache", "target=/x", "--from=", "a", "b",
            "/dst", "\u00e9", "NONE", "AS", "x", "1", "{", "--chmod=7");

    @Provide
    Arbitrary<String> dockerfiles() {
        return Arbitraries.of(PIECES).list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void parsingFailsOnlyWithLocatedErrors(@ForAll("dockerfiles") String text) {
        try {
            DockerfileModel model = InstructionParser.parse("Dockerfile", text);
            assertThat(model.stages()).isNotEmpty();
            ShellWordExpander e = new ShellWordExpander(new ShellLex(model.directives().escape()), Env.empty());
            for (Stage s : model.stages()) {
                for (Instruction i : s.commands()) {
                    if (i instanceof Expandable<?> x) {
                        try {
                            x.expand(e);
                        } catch (SourceException expected) {
                            assertThat(expected.getMessage()).startsWith("Dockerfile:");
                        }
                    }
                }
            }
        } catch (SourceException expected) {
            assertThat(expected.getMessage()).startsWith("Dockerfile:");
            assertThat(expected.location().line()).isPositive();
        }
    }

    @Property(tries = 3000)
    void expansionFailsOnlyWithShellExpansionException(@ForAll @StringLength(max = 30) String word) {
        try {
            new ShellLex('\\').process(word, Env.empty());
        } catch (ShellExpansionException expected) {
            assertThat(expected.getMessage()).startsWith("failed to process");
        }
    }

    @Provide
    Arbitrary<String> shellish() {
        return Arbitraries.of("$", "`", "{", "}", ":", "-", "+", "?", "#", "%", "/", "a", "B", "_", "\\", "'", "\"", " ", "*", "[", "1")
                .list().ofMaxSize(25).map(l -> String.join("", l));
    }

    @Property(tries = 5000)
    void shellSyntaxSoupFailsCleanly(@ForAll("shellish") String word) {
        for (int options = 0; options < 32; options++) {
            ShellLex lex = new ShellLex((options & 16) == 0 ? '\\' : '`').withRawQuotes((options & 1) != 0)
                    .withRawEscapes((options & 2) != 0).withSkipProcessQuotes((options & 4) != 0).withSkipUnsetEnv((options & 8) != 0);
            try {
                lex.process(word, Env.of(java.util.Map.of("a", "xyz", "B", "")));
            } catch (ShellExpansionException expected) {
                assertThat(expected.getMessage()).startsWith("failed to process");
            }
        }
    }
}
