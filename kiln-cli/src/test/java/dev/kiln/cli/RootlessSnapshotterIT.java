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
 * Rootless builds on either snapshotter: an unprivileged user with subordinate ids builds the busybox
 * base and an image whose RUN deletes and re-makes a directory, deletes a base file and writes through
 * a {@code rw} bind of a context file owned by root (an id outside the user's namespace), once with the
 * copying snapshotter ({@code KILN_SNAPSHOTTER=native}: whiteouts made by mknod and opaque markers as
 * {@code user.overlay.opaque} inside the user namespace) and once with overlay; both give root's image
 * digests (SOURCE_DATE_EPOCH pins the times), and the context file is left as it was.
 * Needs root (to create the user), uidmap and util-linux 2.38.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootlessSnapshotterIT {
    private static final String EPOCH = "1700000000";
    private static final Pattern IMAGE = Pattern.compile("writing image (sha256:[0-9a-f]{64})");
    private final String user = "kilnsn" + UUID.randomUUID().toString().substring(0, 6);
    private RootlessUser created;
    private Path work;

    @BeforeAll
    void createUser() throws Exception {
        RootlessUser.assumeRootlessBuildsCanRun();
        work = Files.createTempDirectory(Path.of("/tmp"), "kiln-rootless-sn-");
        Files.setAttribute(work, "unix:mode", 0755);
        created = RootlessUser.create(user, work.resolve("home"), OptionalLong.of(720896));
        Path bb = KilnRunner.busyboxContext(work.resolve("busybox"));
        Path app = Files.createDirectories(work.resolve("app"));
        Files.writeString(app.resolve("Dockerfile"), """
                FROM busybox
                RUN mkdir -p /data/sub && echo 1 > /data/sub/f && echo keep > /data/keep && chown 1000:1000 /data/keep
                RUN rm -rf /data/sub && mkdir /data/sub && echo 2 > /data/sub/g && echo more >> /data/keep && rm /bin/vi
                RUN --mount=type=bind,target=/ctx,rw echo scribble >> /ctx/root-owned.txt && cp /ctx/root-owned.txt /scribbled
                """);
        Files.writeString(app.resolve("root-owned.txt"), "root's\n");
        for (Path d : List.of(Files.createDirectories(work.resolve("native")), Files.createDirectories(work.resolve("overlay")))) {
            assertThat(BuildIT.exec(null, "chown", user, d.toString()).exit()).isZero();
        }
        assertThat(BuildIT.exec(null, "chmod", "-R", "a+rX", work.toString()).exit()).isZero();
        assertThat(BuildIT.exec(null, "chown", "-R", user + ":", app.toString(), bb.toString()).exit()).isZero();
        assertThat(BuildIT.exec(null, "chown", "root:root", app.resolve("root-owned.txt").toString()).exit()).isZero();
    }

    @AfterAll
    void removeUser() throws Exception {
        if (created != null) {
            created.close();
        }
        if (work != null) {
            BuildIT.exec(null, "rm", "-rf", work.toString());
        }
    }

    /** Runs the launcher as the user over {@code state} ({@code KILN_ROOT}), with {@code KILN_SNAPSHOTTER} if given. */
    private KilnRunner.Run kilnAsUser(Path state, String snapshotter, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user, "--", "env", "KILN_ROOT=" + state,
                "SOURCE_DATE_EPOCH=" + EPOCH));
        if (snapshotter != null) {
            cmd.add("KILN_SNAPSHOTTER=" + snapshotter);
        }
        cmd.add(KilnRunner.repoRoot().resolve("kiln").toString());
        cmd.addAll(List.of(args));
        return KilnRunner.finish(new ProcessBuilder(cmd).directory(work.toFile()).start());
    }

    private KilnRunner.Run kilnAsRoot(Path state, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "-u", "KILN_SNAPSHOTTER", "SOURCE_DATE_EPOCH=" + EPOCH,
                KilnRunner.repoRoot().resolve("kiln").toString(), "--root", state.toString()));
        cmd.addAll(List.of(args));
        return KilnRunner.finish(new ProcessBuilder(cmd).directory(work.toFile()).start());
    }

    private static String image(KilnRunner.Run r) {
        assertThat(r.exit()).as(r.all()).isZero();
        Matcher m = IMAGE.matcher(r.stderr());
        assertThat(m.find()).as(r.all()).isTrue();
        return m.group(1);
    }

    @Test
    void bothSnapshottersGiveRootsImagesInAUserNamespace() throws Exception {
        Path rootState = work.resolve("root-state");
        String base = image(kilnAsRoot(rootState, "build", "--progress", "plain", "-t", "busybox:latest", "busybox"));
        String app = image(kilnAsRoot(rootState, "build", "--progress", "plain", "-t", "app:1", "app"));

        for (String snapshotter : List.of("native", "overlay")) {
            Path state = work.resolve(snapshotter).resolve("kiln");
            assertThat(image(kilnAsUser(state, snapshotter, "build", "--progress", "plain", "-t", "busybox:latest",
                    "busybox"))).as("busybox, rootless " + snapshotter).isEqualTo(base);
            KilnRunner.Run built = kilnAsUser(state, snapshotter, "build", "--progress", "plain", "-t", "app:1", "app");
            assertThat(image(built)).as("app, rootless " + snapshotter).isEqualTo(app);
            assertThat(state.resolve("snapshots/kind")).hasContent(snapshotter);
        }
        assertThat(work.resolve("app/root-owned.txt")).hasContent("root's");
        assertThat(BuildIT.exec(null, "stat", "-c", "%u", work.resolve("app/root-owned.txt").toString()).stdout().strip())
                .isEqualTo("0");
    }
}
