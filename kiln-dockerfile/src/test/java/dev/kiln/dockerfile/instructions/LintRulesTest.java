package dev.kiln.dockerfile.instructions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LintRulesTest {
    private static List<Warning> warnings(String text) {
        return InstructionParser.parse("Dockerfile", text).warnings();
    }

    @Test
    void cleanDockerfileHasNoWarnings() {
        assertThat(warnings("""
                ARG BASE=alpine
                FROM --platform=$BUILDPLATFORM ${BASE} AS build
                ENV A=1
                RUN make
                FROM scratch
                COPY --from=build /out /
                ENTRYPOINT ["/out"]
                """)).isEmpty();
    }

    @Test
    void casingFollowsTheMajority() {
        List<Warning> w = warnings("FROM a\nRUN x\nrun y\nCopy a b\n");
        assertThat(w).extracting(Warning::rule).containsExactly("ConsistentInstructionCasing", "ConsistentInstructionCasing");
        assertThat(w.getFirst().message()).isEqualTo("Command 'run' should match the case of the command majority (uppercase)");
        assertThat(w.getFirst().location().line()).isEqualTo(3);
        assertThat(w.get(1).location().line()).isEqualTo(4);
        assertThat(warnings("from a\nrun x\nRUN y\n")).extracting(Warning::message)
                .containsExactly("Command 'RUN' should match the case of the command majority (lowercase)");
    }

    @Test
    void stageRules() {
        assertThat(warnings("FROM a AS scratch\n")).extracting(Warning::rule).containsExactly("ReservedStageName");
        List<Warning> w = warnings("FROM --platform=linux/amd64 a\nFROM --platform=$TARGETPLATFORM b\n");
        assertThat(w).extracting(Warning::rule).containsExactly("FromPlatformFlagConstDisallowed", "RedundantTargetPlatform");
        assertThat(w.getFirst().url()).isEqualTo("https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/");
        assertThat(warnings("FROM a AS Build\n")).extracting(Warning::rule).containsExactly("StageNameCasing");
        assertThat(warnings("FROM a as b\n")).extracting(Warning::rule).containsExactly("FromAsCasing");
    }

    @Test
    void commandRules() {
        List<Warning> w = warnings("FROM a\nCMD echo 1\nCMD [\"x\"]\nENTRYPOINT run.sh\nENV K V\nLABEL k v\nHEALTHCHECK NONE\n");
        assertThat(w).extracting(Warning::rule).containsExactlyInAnyOrder("JSONArgsRecommended", "JSONArgsRecommended",
                "LegacyKeyValueFormat", "LegacyKeyValueFormat", "MultipleInstructionsDisallowed");
        Warning multiple = w.stream().filter(x -> x.rule().equals("MultipleInstructionsDisallowed")).findFirst().orElseThrow();
        assertThat(multiple.location().line()).isEqualTo(2);
        assertThat(warnings("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo 1\n")).isEmpty();
    }
}
