package dev.kiln.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengeTest {

    @Test
    void parsesDockerHubBearerChallenge() {
        List<Challenge> c = Challenge.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"");
        assertThat(c).containsExactly(new Challenge("bearer", Map.of(
                "realm", "https://auth.docker.io/token",
                "service", "registry.docker.io",
                "scope", "repository:library/busybox:pull")));
        assertThat(c.getFirst().isBearer()).isTrue();
    }

    @Test
    void parsesBasicWithRealmAndIsCaseInsensitive() {
        List<Challenge> c = Challenge.parse("BASIC Realm=\"kiln lab\"");
        assertThat(c).hasSize(1);
        assertThat(c.getFirst().isBasic()).isTrue();
        assertThat(c.getFirst().param("realm")).contains("kiln lab");
    }

    @Test
    void parsesSeveralChallengesInOneHeaderAndUnquotedValues() {
        List<Challenge> c = Challenge.parse("Basic realm=registry, Bearer realm=\"https://a/token\", service=svc");
        assertThat(c).extracting(Challenge::scheme).containsExactly("basic", "bearer");
        assertThat(c.get(0).params()).containsEntry("realm", "registry");
        assertThat(c.get(1).params()).containsEntry("realm", "https://a/token").containsEntry("service", "svc");
    }

    @Test
    void unescapesQuotedPairsAndKeepsCommasInsideQuotes() {
        List<Challenge> c = Challenge.parse("Bearer realm=\"https://x/t\",scope=\"repository:a:pull,push repository:b:pull\",error=\"say \\\"hi\\\"\"");
        assertThat(c.getFirst().param("scope")).contains("repository:a:pull,push repository:b:pull");
        assertThat(c.getFirst().param("error")).contains("say \"hi\"");
    }

    @Test
    void schemeWithoutParametersAndEmptyHeader() {
        assertThat(Challenge.parse("Bearer")).containsExactly(new Challenge("bearer", Map.of()));
        assertThat(Challenge.parse("")).isEmpty();
        assertThat(Challenge.parse(null)).isEmpty();
        assertThat(Challenge.parseAll(List.of("Basic realm=a", "Bearer realm=b"))).hasSize(2);
    }
}
