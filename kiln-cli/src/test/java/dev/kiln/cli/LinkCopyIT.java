package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code COPY --link} / {@code ADD --link} through the launcher with real runc, overlayfs and
 * merge ops: the linked layer is cached and byte-identical on another base, destinations do
 * not follow the base's symlinks and their parent directories come from the linked layer (as
 * BuildKit documents), the other COPY flags keep working, and the image's history is the one
 * a plain COPY gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinkCopyIT {
    @TempDir
    static Path tmp;
    KilnRunner kiln;

    @BeforeAll
    void setUp() throws Exception {
        kiln = KilnRunner.withBusybox(tmp, tmp.resolve("state"));
        build(context("base-b", "FROM busybox\nRUN mkdir -p /opt/app/old && echo old > /opt/app/old/f && echo b > /marker\n",
                Map.of()), null, "-t", "link-base-b:1");
        build(context("base-c", "FROM busybox\nRUN mkdir -p /data/app && ln -s /data /opt\n", Map.of()), null,
                "-t", "link-base-c:1");
    }

    private Path context(String name, String dockerfile, Map<String, String> files) throws IOException {
        return KilnRunner.context(tmp.resolve(name), dockerfile, files);
    }

    private KilnRunner.Run build(Path ctx, Path oci, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("build", "--progress", "plain"));
        if (oci != null) {
            args.addAll(List.of("-o", "type=oci,dest=" + oci));
        }
        args.addAll(List.of(extra));
        args.add(ctx.toString());
        KilnRunner.Run r = kiln.run(args);
        assertThat(r.exit()).as(r.all()).isZero();
        return r;
    }

    /** Whether the step shown as {@code [..] text} was CACHED. */
    private static boolean cached(KilnRunner.Run r, String step) {
        Matcher m = Pattern.compile("^#(\\d+) \\[[^\\]]*\\] " + Pattern.quote(step) + "$", Pattern.MULTILINE).matcher(r.stderr());
        assertThat(m.find()).as("step %s in %s", step, r.stderr()).isTrue();
        return r.stderr().contains("#" + m.group(1) + " CACHED\n");
    }

    @Test
    void theLinkedLayerIsCachedAndIdenticalOnAnotherBaseAndAPlainCopyIsNot() throws Exception {
        Path ctx = context("rebase", """
                ARG BASE=busybox
                FROM $BASE
                COPY --link app /opt/app/
                COPY plain.txt /plain.txt
                """, Map.of("app/hello.txt", "hello\n", "plain.txt", "plain\n"));
        Path a = tmp.resolve("rebase-a.tar");
        Path b = tmp.resolve("rebase-b.tar");
        build(ctx, a);
        KilnRunner.Run second = build(ctx, b, "--build-arg", "BASE=link-base-b:1");
        assertThat(cached(second, "COPY --link app /opt/app/")).as(second.stderr()).isTrue();
        assertThat(cached(second, "COPY plain.txt /plain.txt")).as("a plain COPY on another base runs again").isFalse();

        List<OciArchiveImage.Layer> la = OciArchiveImage.read(a).layers();
        OciArchiveImage other = OciArchiveImage.read(b);
        List<String> lb = other.layerDigests();
        assertThat(lb).as("link-base-b has one layer more than busybox").hasSize(la.size() + 1);
        OciArchiveImage.Layer linked = la.get(la.size() - 2);
        assertThat(lb.get(lb.size() - 2)).as("the --link layer blob").isEqualTo(linked.digest());
        assertThat(linked.entries()).as("the layer holds the copy and the parents it created, nothing of the base")
                .containsExactly("opt/", "opt/app/", "opt/app/hello.txt");

        Map<String, String> tree = other.tree();
        assertThat(tree).containsKeys("/opt/app/hello.txt", "/opt/app/old/f", "/marker", "/plain.txt", "/bin/busybox");
        assertThat(tree.get("/opt/app")).isEqualTo("dir 0755 0:0");

        Path c = tmp.resolve("rebase-c.tar");
        KilnRunner.Run third = build(ctx, c, "--build-arg", "BASE=link-base-c:1");
        assertThat(cached(third, "COPY --link app /opt/app/")).as(third.stderr()).isTrue();
        OciArchiveImage overSymlink = OciArchiveImage.read(c);
        List<String> lc = overSymlink.layerDigests();
        assertThat(lc.get(lc.size() - 2)).as("the --link layer over a base whose /opt is a symlink")
                .isEqualTo(linked.digest());
        Map<String, String> overLink = overSymlink.tree();
        assertThat(overLink.get("/opt")).isEqualTo("dir 0755 0:0");
        assertThat(overLink).containsKeys("/opt/app/hello.txt", "/data/app").doesNotContainKey("/data/app/hello.txt");
    }

    /**
     * One Dockerfile built with and without {@code --link}: destinations, parents and the other
     * flags, compared between the two images; the history and config must not differ.
     */
    @Test
    void linkedAndPlainBuildsOfOneDockerfile() throws Exception {
        String df = """
                FROM busybox AS build
                RUN mkdir -p /out/docs && echo bin > /out/app.bin && echo doc > /out/docs/readme.md
                FROM busybox
                RUN mkdir -p /data && ln -s /data /opt && mkdir -m 1777 /shared && mkdir -p /srv && chown 5:5 /srv
                COPY%1$s app /opt/app/
                COPY%1$s g.txt /shared/
                COPY%1$s --chown=1000:1001 app /owned/
                COPY%1$s --chmod=750 run.sh /usr/local/bin/run.sh
                COPY%1$s --from=build --exclude=docs/*.md /out/ /dist/
                COPY%1$s --parents a/b/c.txt /p/
                ADD%1$s --chown=root added.txt /added/
                WORKDIR /srv
                COPY%1$s w.txt sub/
                CMD ["run.sh"]
                """;
        Map<String, String> files = Map.of("app/hello.txt", "hello\n", "g.txt", "g\n", "w.txt", "w\n",
                "run.sh", "#!/bin/sh\n", "a/b/c.txt", "c\n", "added.txt", "added\n");
        Path linkedOut = tmp.resolve("both-link.tar");
        Path plainOut = tmp.resolve("both-plain.tar");
        build(context("both-link", df.formatted(" --link"), files), linkedOut);
        build(context("both-plain", df.formatted(""), files), plainOut);

        OciArchiveImage linkedImage = OciArchiveImage.read(linkedOut);
        Map<String, String> linked = linkedImage.tree();
        assertThat(linked.get("/opt")).as("the linked layer's directory replaces the symlink").isEqualTo("dir 0755 0:0");
        assertThat(linked).containsKey("/opt/app/hello.txt").doesNotContainKey("/data/app/hello.txt");
        assertThat(linked.get("/shared")).as("the parent is the linked layer's, not the base's 1777").isEqualTo("dir 0755 0:0");
        assertThat(linked).containsKeys("/shared/g.txt", "/srv/sub/w.txt");
        assertThat(linked.get("/srv")).as("a WORKDIR-relative dest's parents come from the linked layer too")
                .isEqualTo("dir 0755 0:0");
        assertThat(linked.get("/owned")).isEqualTo("dir 0755 1000:1001");
        assertThat(linked.get("/owned/hello.txt")).startsWith("file 0644 1000:1001");
        assertThat(linked.get("/usr/local/bin/run.sh")).startsWith("file 0750 0:0");
        assertThat(linked).containsKeys("/dist/app.bin", "/dist/docs", "/p/a/b/c.txt")
                .doesNotContainKey("/dist/docs/readme.md");
        assertThat(linked.get("/added/added.txt")).startsWith("file 0644 0:0");

        OciArchiveImage plainImage = OciArchiveImage.read(plainOut);
        Map<String, String> plain = plainImage.tree();
        assertThat(plain.get("/opt")).as("a plain COPY follows the symlink").startsWith("symlink -> /data");
        assertThat(plain).containsKey("/data/app/hello.txt");
        assertThat(plain.get("/shared")).isEqualTo("dir 1777 0:0");
        assertThat(plain.get("/srv")).isEqualTo("dir 0755 5:5");
        for (String same : List.of("/owned/hello.txt", "/usr/local/bin/run.sh", "/dist/app.bin", "/p/a/b/c.txt",
                "/added/added.txt", "/srv/sub/w.txt")) {
            assertThat(linked.get(same)).as(same).isEqualTo(plain.get(same));
        }

        JsonNode lc = linkedImage.config();
        JsonNode pc = plainImage.config();
        assertThat(lc.get("history")).hasSameSizeAs(pc.get("history"));
        for (int i = 0; i < pc.get("history").size(); i++) {
            JsonNode lh = lc.get("history").get(i);
            JsonNode ph = pc.get("history").get(i);
            assertThat(lh.path("created_by").asText()).isEqualTo(ph.path("created_by").asText());
            assertThat(lh.path("empty_layer").asBoolean()).as(ph.toString()).isEqualTo(ph.path("empty_layer").asBoolean());
        }
        assertThat(lc.get("rootfs").get("diff_ids")).hasSameSizeAs(pc.get("rootfs").get("diff_ids"));
        assertThat(lc.get("config")).isEqualTo(pc.get("config"));
    }

    @Test
    void chownByNameIsRejectedWithLink() throws Exception {
        Path named = context("chown-name", "FROM busybox\nCOPY --link --chown=nobody app /x/\n", Map.of("app/x.txt", "x"));
        KilnRunner.Run r = kiln.run("build", "--progress", "plain", named.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.all()).contains("Dockerfile:2").contains("\"nobody\" is not a numeric id");
    }
}
