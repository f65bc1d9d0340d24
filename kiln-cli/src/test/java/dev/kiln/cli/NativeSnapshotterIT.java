package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The copying snapshotter end to end, through the real launcher: with {@code KILN_SNAPSHOTTER=native}
 * and {@code SOURCE_DATE_EPOCH}, the busybox base and a multi-stage build (RUN creating, changing and
 * deleting files, a directory deleted and made again, COPY --chown, COPY --link, USER, a writable
 * context bind)
 * give the very image digests the overlay snapshotter gives, a second build is all cached, and a
 * state dir made with one snapshotter refuses the other.
 */
class NativeSnapshotterIT {
    private static final String EPOCH = "1700000000";
    private static final Pattern IMAGE = Pattern.compile("writing image (sha256:[0-9a-f]{64})");

    private Path work;

    private Path busybox;
    private Path app;

    private void contexts() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        assumeTrue(KilnRunner.onPath("runc"), "runc is not installed");
        busybox = KilnRunner.busyboxContext(work.resolve("busybox"));
        app = Files.createDirectories(work.resolve("app"));
        Files.writeString(app.resolve("hello.txt"), "hello\n");
        Files.writeString(app.resolve("Dockerfile"), """
                FROM busybox AS build
                RUN mkdir -p /out/d /out/gone && echo built > /out/a && echo old > /out/b \\
                    && touch /out/d/x /out/gone/y && chown -R 123:456 /out/d
                RUN echo changed >> /out/b && rm /out/a && rm -rf /out/gone && mkdir /out/gone && echo new > /out/gone/z
                FROM busybox
                COPY --from=build --chown=1000:1000 /out /srv/out
                COPY --chown=2000:3000 hello.txt /srv/hello.txt
                COPY --link hello.txt /srv/linked.txt
                RUN mkdir -p /data/sub && echo 1 > /data/sub/f && echo keep > /data/keep && chmod 600 /data/keep
                RUN rm -rf /data/sub && mkdir /data/sub && echo 2 > /data/sub/g && echo more >> /data/keep \\
                    && rm /bin/vi && chown 5:5 /etc/group
                USER app
                RUN echo "as $(id -u):$(id -g)" > /home/app/who
                USER root
                RUN rm -rf /tmp && mkdir /tmp && chmod 1777 /tmp
                RUN --mount=type=bind,target=/ctx,rw echo scribble > /ctx/hello.txt && cat /ctx/hello.txt > /scribbled
                """);
    }

    private KilnRunner.Run kiln(Path state, String snapshotter, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(KilnRunner.repoRoot().resolve("kiln").toString(), "--root",
                state.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.remove("KILN_ROOT");
        env.remove("KILN_SNAPSHOTTER");
        env.put("SOURCE_DATE_EPOCH", EPOCH);
        if (snapshotter != null) {
            env.put("KILN_SNAPSHOTTER", snapshotter);
        }
        return KilnRunner.finish(pb.start());
    }

    private static String image(KilnRunner.Run r) {
        assertThat(r.exit()).as(r.all()).isZero();
        Matcher m = IMAGE.matcher(r.all());
        assertThat(m.find()).as(r.all()).isTrue();
        return m.group(1);
    }

    @Test
    void buildsTheSameImagesAsOverlayAndCaches() throws Exception {
        work = Files.createTempDirectory("kiln-native-it-");
        try {
            buildAndCompare();
        } finally {
            BuildIT.exec(null, "rm", "-rf", work.toString());
        }
    }

    private void buildAndCompare() throws Exception {
        contexts();
        Path overlayState = work.resolve("state-overlay");
        Path nativeState = work.resolve("state-native");

        String overlayBase = image(kiln(overlayState, "overlay", "build", "--progress", "plain", "-t", "busybox:latest",
                busybox.toString()));
        KilnRunner.Run nativeBaseRun = kiln(nativeState, "native", "build", "--progress", "plain", "-t",
                "busybox:latest", busybox.toString());
        assertThat(image(nativeBaseRun)).as("busybox base, native vs overlay").isEqualTo(overlayBase);
        assertThat(nativeBaseRun.stderr()).as("a forced choice is not announced").doesNotContain("copying snapshotter");
        assertThat(nativeState.resolve("snapshots/kind")).hasContent("native");
        assertThat(overlayState.resolve("snapshots/kind")).hasContent("overlay");

        String overlayApp = image(kiln(overlayState, "overlay", "build", "--progress", "plain", "-t", "app:1",
                app.toString()));
        Path tar = work.resolve("native-app.tar");
        KilnRunner.Run nativeApp = kiln(nativeState, "native", "build", "--progress", "plain", "-t", "app:1",
                "-o", "type=tar,dest=" + tar, app.toString());
        assertThat(image(nativeApp)).as("multi-stage app, native vs overlay").isEqualTo(overlayApp);

        String listing = BuildIT.exec(null, "tar", "-tvf", tar.toString()).stdout();
        assertThat(listing).containsPattern("1000/1000 .* srv/out/gone/z").containsPattern("1000/1000 .* srv/out/d/x")
                .containsPattern("2000/3000 .* srv/hello.txt").containsPattern("5/5 .* etc/group")
                .contains("data/sub/g").doesNotContain("data/sub/f").doesNotContain("srv/out/a")
                .doesNotContain("srv/out/gone/y").doesNotContain("bin/vi\n");
        assertThat(extract(tar, "data/keep")).isEqualTo("keep\nmore\n");
        assertThat(extract(tar, "srv/out/b")).isEqualTo("old\nchanged\n");
        assertThat(extract(tar, "srv/linked.txt")).isEqualTo("hello\n");
        assertThat(extract(tar, "home/app/who")).isEqualTo("as 1000:1000\n");
        assertThat(extract(tar, "scribbled")).isEqualTo("scribble\n");
        assertThat(extract(tar, "srv/hello.txt")).as("the rw bind's write was discarded").isEqualTo("hello\n");
        assertThat(app.resolve("hello.txt")).hasContent("hello\n");

        Path oci = work.resolve("native-app.oci.tar");
        KilnRunner.Run again = kiln(nativeState, "native", "build", "--progress", "plain", "-t", "app:1",
                "-o", "type=oci,dest=" + oci, app.toString());
        assertThat(image(again)).isEqualTo(overlayApp);
        assertThat(again.all()).contains("CACHED");
        assertThat(Pattern.compile("^#\\d+ \\[.*\\] RUN .*\\n#\\d+ (?!CACHED)", Pattern.MULTILINE)
                .matcher(again.all()).find()).as("every RUN step cached:\n" + again.all()).isFalse();

        List<String> layerEntries = layerEntries(oci);
        assertThat(layerEntries).as("the deleted and re-made directories are opaque, deletions whiteouts")
                .contains("data/sub/.wh..wh..opq", "tmp/.wh..wh..opq", "bin/.wh.vi");

        KilnRunner.Run wrong = kiln(nativeState, "overlay", "build", "--progress", "plain", app.toString());
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.stderr()).contains("made with the native snapshotter")
                .contains("cannot be used with the overlay snapshotter");
        KilnRunner.Run auto = kiln(nativeState, null, "build", "--progress", "plain", app.toString());
        assertThat(image(auto)).isEqualTo(overlayApp);
        assertThat(auto.stderr()).contains("kiln: this state dir was made with the copying snapshotter");
    }

    /**
     * A state dir on overlayfs (as inside a container whose root is an overlay) cannot hold overlay
     * upper dirs nor 0/0 whiteout devices: Kiln notices by itself, says so in one line, uses the
     * copying snapshotter with the tar's {@code .wh.} names as markers, and builds correct images.
     */
    @Test
    void fallsBackByItselfWhereOverlayfsCannotBeMounted() throws Exception {
        work = Files.createTempDirectory("kiln-native-it-");
        Path merged = Files.createDirectories(work.resolve("ovl/merged"));
        boolean mounted = false;
        try {
            contexts();
            for (String d : List.of("lower", "upper", "work")) {
                Files.createDirectories(work.resolve("ovl").resolve(d));
            }
            KilnRunner.Run mount = BuildIT.exec(null, "mount", "-t", "overlay", "overlay", "-o", "lowerdir="
                    + work.resolve("ovl/lower") + ",upperdir=" + work.resolve("ovl/upper") + ",workdir="
                    + work.resolve("ovl/work"), merged.toString());
            assertThat(mount.exit()).as(mount.all()).isZero();
            mounted = true;
            Path state = merged.resolve("state");
            KilnRunner.Run base = kiln(state, null, "build", "--progress", "plain", "-t", "busybox:latest",
                    busybox.toString());
            image(base);
            assertThat(base.stderr().lines().filter(l -> l.startsWith("kiln: overlayfs is not available here (")
                    && l.endsWith("); using the copying snapshotter (slower, more disk)")).count())
                    .as(base.stderr()).isEqualTo(1);
            assertThat(state.resolve("snapshots/kind")).hasContent("native");

            Path small = Files.createDirectories(work.resolve("small"));
            Files.writeString(small.resolve("Dockerfile"), """
                    FROM busybox
                    RUN mkdir -p /data/sub && echo 1 > /data/sub/f && echo keep > /data/keep
                    RUN rm -rf /data/sub && mkdir /data/sub && echo 2 > /data/sub/g && rm /bin/vi && echo more >> /data/keep
                    """);
            Path tar = work.resolve("small.tar");
            Path oci = work.resolve("small.oci.tar");
            image(kiln(state, null, "build", "--progress", "plain", "-o", "type=tar,dest=" + tar, small.toString()));
            String listing = BuildIT.exec(null, "tar", "-tf", tar.toString()).stdout();
            assertThat(listing).contains("data/sub/g").doesNotContain("data/sub/f").doesNotContain("bin/vi\n")
                    .doesNotContain(".wh.");
            assertThat(extract(tar, "data/keep")).isEqualTo("keep\nmore\n");
            image(kiln(state, null, "build", "--progress", "plain", "-o", "type=oci,dest=" + oci, small.toString()));
            assertThat(layerEntries(oci)).contains("data/sub/.wh..wh..opq", "bin/.wh.vi");
        } finally {
            if (mounted) {
                BuildIT.exec(null, "umount", merged.toString());
            }
            BuildIT.exec(null, "rm", "-rf", work.toString());
        }
    }

    /** The names in every layer blob of an OCI archive. */
    private List<String> layerEntries(Path archive) throws Exception {
        Path dir = Files.createDirectories(work.resolve("oci-" + archive.getFileName()));
        assertThat(BuildIT.exec(null, "tar", "-xf", archive.toString(), "-C", dir.toString()).exit()).isZero();
        List<String> names = new ArrayList<>();
        try (var blobs = Files.list(dir.resolve("blobs/sha256"))) {
            for (Path blob : blobs.toList()) {
                KilnRunner.Run list = BuildIT.exec(null, "tar", "-tzf", blob.toString());
                if (list.exit() == 0) {
                    names.addAll(list.stdout().lines().toList());
                }
            }
        }
        return names;
    }

    private static String extract(Path tar, String path) throws Exception {
        return BuildIT.exec(null, "tar", "-xOf", tar.toString(), path).stdout();
    }
}
