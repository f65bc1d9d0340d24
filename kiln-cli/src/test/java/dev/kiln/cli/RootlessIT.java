package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rootless {@code kiln build}: a fresh unprivileged user with subordinate id ranges builds the
 * busybox base and a multi-stage image (RUN as root and as USER app, COPY --chown, COPY --from
 * keeping foreign owners, an opaque directory) and gets byte-identical images to root's
 * (SOURCE_DATE_EPOCH pins the times); a user without ranges gets a message naming what is missing.
 * Needs root (to create the users), uidmap and util-linux 2.38.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootlessIT {
    private static final String EPOCH = "1700000000";
    private static final Pattern IMAGE = Pattern.compile("writing image (sha256:[0-9a-f]{64})");
    private final String suffix = UUID.randomUUID().toString().substring(0, 6);
    private final String user = "kilnrl" + suffix;
    private final String plainUser = "kilnnr" + suffix;
    private final List<RootlessUser> created = new ArrayList<>();
    private Path work;

    @BeforeAll
    void createUsers() throws Exception {
        RootlessUser.assumeRootlessBuildsCanRun();
        work = Files.createTempDirectory(Path.of("/tmp"), "kiln-rootless-");
        Files.setAttribute(work, "unix:mode", 0755);
        created.add(RootlessUser.create(user, work.resolve("home-" + user), OptionalLong.of(524288)));
        created.add(RootlessUser.create(plainUser, work.resolve("home-" + plainUser), OptionalLong.empty()));
        KilnRunner.busyboxContext(work.resolve("busybox"));
        Path app = Files.createDirectories(work.resolve("app"));
        Files.writeString(app.resolve("hello.txt"), "hello\n");
        Files.writeString(app.resolve("Dockerfile"), """
                FROM busybox AS build
                RUN mkdir -p /out/d && echo built > /out/a && touch /out/d/x && chown -R 123:456 /out/d
                FROM busybox
                COPY --from=build --chown=1000:1000 /out/a /srv/a
                COPY --from=build /out/d /srv/d
                COPY --chown=2000:3000 hello.txt /srv/hello.txt
                USER app
                RUN echo "as $(id -u):$(id -g)" > /home/app/who
                USER root
                RUN rm -rf /tmp && mkdir /tmp && chmod 1777 /tmp
                RUN --mount=type=secret,id=tok,required=true --network=none \\
                    test "$(cat /run/secrets/tok)" = rootless-secret && test "$(grep -c : /proc/net/dev)" = 1 && touch /sandboxed
                RUN --mount=type=cache,target=/var/cache/x --mount=type=bind,target=/ctx,rw \\
                    echo scribble > /ctx/hello.txt && touch /var/cache/x/y
                """);
        Files.writeString(work.resolve("tok"), "rootless-secret");
        assertThat(BuildIT.exec(null, "chmod", "-R", "a+rX", work.toString()).exit()).isZero();
        // the context belongs to the user, as a user's own context does (files of unmapped owners are read-only in the namespace)
        assertThat(BuildIT.exec(null, "chown", "-R", user + ":", app.toString()).exit()).isZero();
    }

    @AfterAll
    void removeUsers() throws Exception {
        for (RootlessUser u : created) {
            u.close();
        }
        if (work != null) {
            BuildIT.exec(null, "rm", "-rf", work.toString());
        }
    }

    /** Runs the launcher as {@code asUser} (no KILN_ROOT, so the default state dir), in {@link #work}. */
    KilnRunner.Run kilnAs(String asUser, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", asUser, "--", "env", "-u", "KILN_ROOT",
                "HOME=" + work.resolve("home-" + asUser), "SOURCE_DATE_EPOCH=" + EPOCH,
                KilnRunner.repoRoot().resolve("kiln").toString()));
        cmd.addAll(List.of(args));
        return KilnRunner.finish(new ProcessBuilder(cmd).directory(work.toFile()).start());
    }

    KilnRunner.Run kilnAsRoot(Path state, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "SOURCE_DATE_EPOCH=" + EPOCH,
                KilnRunner.repoRoot().resolve("kiln").toString(), "--root", state.toString()));
        cmd.addAll(List.of(args));
        return KilnRunner.finish(new ProcessBuilder(cmd).directory(work.toFile()).start());
    }

    static String image(KilnRunner.Run r) {
        Matcher m = IMAGE.matcher(r.stderr());
        assertThat(m.find()).as(r.all()).isTrue();
        return m.group(1);
    }

    @Test
    void anUnprivilegedUserBuildsTheSameImagesAsRoot() throws Exception {
        Path rootState = work.resolve("root-state");
        KilnRunner.Run rootBase = kilnAsRoot(rootState, "build", "--progress", "plain", "-t", "busybox:latest", "busybox");
        assertThat(rootBase.exit()).as(rootBase.all()).isZero();
        KilnRunner.Run userBase = kilnAs(user, "build", "--progress", "plain", "-t", "busybox:latest", "busybox");
        assertThat(userBase.exit()).as(userBase.all()).isZero();
        assertThat(image(userBase)).isEqualTo(image(rootBase));

        Path rootTar = work.resolve("app-root.tar");
        Path userTar = work.resolve("app-user.tar");
        KilnRunner.Run rootApp = kilnAsRoot(rootState, "build", "--progress", "plain", "--secret", "id=tok,src=tok",
                "-o", "type=tar,dest=" + rootTar, "app");
        assertThat(rootApp.exit()).as(rootApp.all()).isZero();
        Path userOut = Files.createDirectories(work.resolve("user-out"));
        BuildIT.exec(null, "chown", user, userOut.toString());
        KilnRunner.Run userApp = kilnAs(user, "build", "--progress", "plain", "--secret", "id=tok,src=tok", "-o",
                "type=tar,dest=" + userOut.resolve("app.tar"), "app");
        assertThat(userApp.exit()).as(userApp.all()).isZero();
        assertThat(image(userApp)).as("the same image digest as root's").isEqualTo(image(rootApp));
        Files.copy(userOut.resolve("app.tar"), userTar);

        Path home = work.resolve("home-" + user);
        assertThat(home.resolve(".local/share/kiln/kiln.db")).exists();
        String listing = BuildIT.exec(null, "tar", "-tvf", userTar.toString()).stdout();
        assertThat(listing).contains("sandboxed").doesNotContain("var/cache/x/y").doesNotContain("run/secrets");
        assertThat(BuildIT.exec(null, "tar", "-xOf", userTar.toString(), "srv/hello.txt").stdout()).isEqualTo("hello\n");
        assertThat(listing).containsPattern("1000/1000 .* srv/a").containsPattern("123/456 .* srv/d/x")
                .containsPattern("2000/3000 .* srv/hello.txt").containsPattern("1000/1000 .* home/app/who");
        assertThat(BuildIT.exec(null, "tar", "-xOf", userTar.toString(), "home/app/who").stdout()).isEqualTo("as 1000:1000\n");
        assertThat(BuildIT.exec(null, "tar", "-tvf", rootTar.toString()).stdout()).isEqualTo(listing);
    }

    @Test
    void aUserWithoutSubordinateIdsIsToldWhatIsMissing() throws Exception {
        Path ctx = work.resolve("app");
        KilnRunner.Run r = kilnAs(plainUser, "build", "--progress", "plain", ctx.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("kiln runs rootless as " + plainUser + " only with")
                .contains("/etc/subuid").contains("/etc/subgid");
    }
}
