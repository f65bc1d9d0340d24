package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testkit.registry.LabRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry commands through the real launcher against Debian's docker-registry on
 * 127.0.0.1: build --push, skopeo reads it back, a fresh state dir pulls it and builds on it,
 * push/tag/rmi, and login with htpasswd over TLS with a CA from a certs.d directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    LabRegistry plain;
    KilnRunner kiln;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(LabRegistry.available(), "docker-registry is not installed");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        plain = LabRegistry.plain().start();
        kiln = new KilnRunner(tmp.resolve("state"));
        kiln.buildBusybox(tmp);
    }

    @AfterAll
    void stop() {
        if (plain != null) {
            plain.close();
        }
    }

    @Test
    void buildPushesAndAFreshStateDirPullsAndBuildsOnIt() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("pushed"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo pushed > /marker\nCMD [\"cat\", \"/marker\"]\n");
        String ref = plain.reference("kiln/app:1");
        Path meta = tmp.resolve("meta.json");
        KilnRunner.Run build = kiln.run("build", "--push", "-t", ref, "--metadata-file", meta.toString(), ctx.toString());
        assertThat(build.exit()).as(build.all()).isZero();
        JsonNode m = JSON.readTree(meta.toFile());
        String digest = m.get("containerimage.digest").asText();
        assertThat(m.get("kiln.pushed").asText()).contains(digest);

        KilnRunner.Run inspect = BuildIT.exec(null, "skopeo", "inspect", "--tls-verify=false", "docker://" + ref);
        assumeTrue(BuildIT.onPath("skopeo"), "skopeo is not installed");
        assertThat(inspect.exit()).as(inspect.all()).isZero();
        assertThat(JSON.readTree(inspect.stdout()).get("Digest").asText()).isEqualTo(digest);

        KilnRunner fresh = new KilnRunner(tmp.resolve("fresh"));
        Path derived = Files.createDirectories(tmp.resolve("derived"));
        Files.writeString(derived.resolve("Dockerfile"), "FROM " + ref + "\nRUN cat /marker > /copy\n");
        KilnRunner.Run onPulled = fresh.run("build", "--progress", "plain", "-t", "derived:1", derived.toString());
        assertThat(onPulled.exit()).as(onPulled.all()).isZero();

        KilnRunner.Run pull = fresh.run("pull", ref);
        assertThat(pull.exit()).as(pull.all()).isZero();
        assertThat(pull.stdout()).contains(digest);
        assertThat(fresh.run("images").stdout()).contains("kiln/app");
    }

    @Test
    void pushTagAndRmiWorkOnTheLocalStore() throws Exception {
        String target = plain.reference("kiln/busybox:copy");
        assertThat(kiln.run("tag", "busybox:latest", target).exit()).isZero();
        KilnRunner.Run push = kiln.run("push", target);
        assertThat(push.exit()).as(push.all()).isZero();
        KilnRunner.Run again = kiln.run("push", target);
        assertThat(again.stderr()).contains("uploaded 0 blobs");
        assertThat(kiln.run("rmi", target).exit()).isZero();
        assertThat(kiln.run("images").stdout()).doesNotContain("kiln/busybox");
        KilnRunner.Run missing = kiln.run("rmi", target);
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.stderr()).contains("No such image");
    }

    @Test
    void loginChecksCredentialsOverTlsAndStoresThemInTheUsersDockerConfig() throws Exception {
        try (LabRegistry secure = LabRegistry.tlsBasic().start()) {
            Path dockerConfig = Files.createDirectories(tmp.resolve("docker-config"));
            List<String> common = new ArrayList<>(List.of("--registry-certs-dir", secure.certsDir().toString()));
            KilnRunner.Run wrong = kiln.runWithEnv(dockerConfig, concat(common, "login", "-u", LabRegistry.USERNAME,
                    "-p", "wrong", secure.host()));
            assertThat(wrong.exit()).isNotZero();
            assertThat(wrong.stderr()).contains("denied").contains(secure.host());

            KilnRunner.Run ok = kiln.runWithEnv(dockerConfig, concat(common, "login", "-u", LabRegistry.USERNAME,
                    "-p", LabRegistry.PASSWORD, secure.host()));
            assertThat(ok.exit()).as(ok.all()).isZero();
            String config = Files.readString(dockerConfig.resolve("config.json"));
            assertThat(config).contains(secure.host());
            assertThat(Files.walk(tmp.resolve("state")).filter(Files::isRegularFile).anyMatch(p -> {
                try {
                    return Files.size(p) < 10_000_000 && Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1)
                            .contains(LabRegistry.PASSWORD);
                } catch (Exception e) {
                    return false;
                }
            })).as("no credential in the state dir").isFalse();

            String ref = secure.reference("private/busybox:1");
            assertThat(kiln.runWithEnv(dockerConfig, concat(common, "tag", "busybox:latest", ref)).exit()).isZero();
            KilnRunner.Run push = kiln.runWithEnv(dockerConfig, concat(common, "push", ref));
            assertThat(push.exit()).as(push.all()).isZero();

            KilnRunner.Run out = kiln.runWithEnv(dockerConfig, List.of("logout", secure.host()));
            assertThat(out.exit()).isZero();
            KilnRunner.Run denied = kiln.runWithEnv(dockerConfig, concat(common, "push", ref));
            assertThat(denied.exit()).isNotZero();
        }
    }

    static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
