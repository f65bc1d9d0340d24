package dev.kiln.dockerfile.convert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.Platform;
import dev.kiln.dockerfile.instructions.Warning;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The build checks that need values, computed while converting, and the check directive. */
class BuildChecksTest {

    private static ConvertResult convert(String dockerfile, Map<String, String> args, List<String> ignore) {
        return DockerfileConverter.convert(new ConvertRequest("Dockerfile", dockerfile, args, Optional.empty(),
                new Platform("linux", "amd64", ""), ignore, Map.of(), false, Set.of(), Instant.ofEpochSecond(0)),
                new DockerfileConverterTest.FakeResolver());
    }

    private static List<String> found(ConvertResult r) {
        return r.warnings().stream().map(w -> w.rule() + "@" + w.location().line() + ": " + w.message()).toList();
    }

    @Test
    void undefinedVariablesAreReportedWithTheClosestNameButDeclaredArgsAreNot() {
        ConvertResult r = convert("FROM base\nENV GREETING=hi\nARG EMPTY\nLABEL a=$GREETNG b=$EMPTY c=${NOPE:-x}\n"
                + "RUN echo $NOT_CHECKED_IN_RUN\n", Map.of(), List.of());
        assertThat(found(r)).containsExactly(
                "UndefinedVar@4: Usage of undefined variable '$GREETNG' (did you mean $GREETING?)",
                "UndefinedVar@4: Usage of undefined variable '$NOPE'");
    }

    @Test
    void fromArgumentsMustBeDeclaredAndTheirDefaultsMustNameAnImage() {
        ConvertResult r = convert("ARG VERSION=1\nFROM base:$TAG AS unused\nFROM base:${VERSION} AS built\n", Map.of(), List.of());
        assertThat(found(r)).containsExactlyInAnyOrder("UndefinedArgInFrom@2: FROM argument 'TAG' is not declared",
                "InvalidDefaultArgInFrom@2: Default value for ARG base:$TAG results in empty or invalid base image name");
        r = convert("ARG VERSION\nFROM base:${VERSON}\n", Map.of(), List.of());
        assertThat(found(r)).contains("UndefinedArgInFrom@2: FROM argument 'VERSON' is not declared (did you mean VERSION?)");
        r = convert("ARG VERSION\nFROM base:${VERSION}\n", Map.of("VERSION", "1"), List.of());
        assertThat(found(r)).containsExactly(
                "InvalidDefaultArgInFrom@2: Default value for ARG base:${VERSION} results in empty or invalid base image name");
        r = convert("ARG VERSION=1\nFROM base:${VERSION}\nFROM --platform=$BUILDPLATFORM base:$TARGETARCH\n", Map.of(), List.of());
        assertThat(found(r)).isEmpty();
    }

    @Test
    void secretLookingArgAndEnvNamesAreFlagged() {
        ConvertResult r = convert("ARG GITHUB_TOKEN\nFROM base\nARG DB_PASSWORD\nENV API_KEY=1 PUBLIC_KEY=2 MONKEY=3 "
                + "AUTH=x\n", Map.of(), List.of());
        assertThat(found(r)).containsExactly(
                "SecretsUsedInArgOrEnv@1: Do not use ARG or ENV instructions for sensitive data (ARG \"GITHUB_TOKEN\")",
                "SecretsUsedInArgOrEnv@3: Do not use ARG or ENV instructions for sensitive data (ARG \"DB_PASSWORD\")",
                "SecretsUsedInArgOrEnv@4: Do not use ARG or ENV instructions for sensitive data (ENV \"API_KEY\")",
                "SecretsUsedInArgOrEnv@4: Do not use ARG or ENV instructions for sensitive data (ENV \"AUTH\")");
    }

    @Test
    void relativeWorkdirExposeFormatAndIgnoredCopiesAreFlagged() {
        ConvertResult r = convert("FROM base\nWORKDIR app\nWORKDIR sub\nEXPOSE 80/TCP 127.0.0.1:8080:8080 443\n"
                + "COPY secrets/key.pem keep.txt /dst/\nADD build/out.tar /\n", Map.of(), List.of("secrets", "build/**", "!keep*"));
        assertThat(found(r)).containsExactly(
                "WorkdirRelativePath@2: Relative workdir \"app\" can have unexpected results if the base image changes",
                "ExposeInvalidFormat@4: EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:8080:8080'",
                "ExposeProtoCasing@4: Defined protocol 'TCP' in EXPOSE instruction should be lowercase",
                "CopyIgnoredFile@5: Attempting to Copy file \"secrets/key.pem\" that is excluded by .dockerignore",
                "CopyIgnoredFile@6: Attempting to Add file \"build/out.tar\" that is excluded by .dockerignore");
    }

    @Test
    void theCheckDirectiveSkipsRulesAndCanMakeFindingsErrors() {
        String df = "# check=skip=WorkdirRelativePath,JSONArgsRecommended;error=true\nFROM base\nWORKDIR app\nCMD run it\n";
        ConvertResult r = convert(df, Map.of(), List.of());
        assertThat(r.warnings()).isEmpty();
        assertThat(r.checkFailure()).isEmpty();
        r = convert(df + "ENV PASSWORD=x\n", Map.of(), List.of());
        assertThat(r.warnings()).extracting(Warning::rule).containsExactly("SecretsUsedInArgOrEnv");
        assertThat(r.checkFailure()).contains("lint violation found for rules: SecretsUsedInArgOrEnv");
        r = convert(df, Map.of("BUILDKIT_DOCKERFILE_CHECK", "skip=all"), List.of());
        assertThat(r.warnings()).isEmpty();
        r = convert(df, Map.of("BUILDKIT_DOCKERFILE_CHECK", "error=false"), List.of());
        assertThat(r.warnings()).extracting(Warning::rule).containsExactly("WorkdirRelativePath", "JSONArgsRecommended");
        assertThat(r.checkFailure()).isEmpty();
    }

    @Test
    void distanceCountsASwapAsOneEdit() {
        assertThat(BuildChecks.distance("GREETING", "GREETNIG")).isEqualTo(1);
        assertThat(BuildChecks.distance("abc", "xyz")).isEqualTo(3);
        assertThat(BuildChecks.hint("FOO", List.of("BAR"), "$")).isEmpty();
    }

    @Test
    void definitionDescriptionsAreCheckedOnlyWhenTheExperimentalRuleIsOn() {
        String body = "# the version to build\nARG VERSION=1\n\n# base stage\nFROM base AS builder\n"
                + "# PORT to listen on\nARG PORT=80\n";
        assertThat(found(convert(body, Map.of(), List.of()))).isEmpty();
        ConvertResult r = convert("# check=experimental=InvalidDefinitionDescription\n\n" + body, Map.of(), List.of());
        assertThat(found(r)).containsExactly(
                "InvalidDefinitionDescription@4: Comment for ARG should follow the format: `# VERSION <description>`",
                "InvalidDefinitionDescription@7: Comment for FROM should follow the format: `# builder <description>`");
    }
}
