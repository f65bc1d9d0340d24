package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cache-to} / {@code --cache-from} through the real launcher, with two or more state
 * dirs standing for machines: machine A builds a two-stage Dockerfile and exports its cache;
 * a clean machine imports it. The registry's access log says what went over the wire, so the
 * tests check what was downloaded as well as what ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheExportImportIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    @TempDir
    static Path tmp;
    AccessLoggedRegistry registry;
    KilnRunner machineA;
    String base;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")), "docker-registry is not installed");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        registry = AccessLoggedRegistry.start(tmp.resolve("registry"));
        machineA = new KilnRunner(tmp.resolve("machine-a"));
        machineA.buildBusybox(tmp);
        base = registry.reference("base/busybox:1");
        assertThat(machineA.run("tag", "busybox:latest", base).exit()).isZero();
        KilnRunner.Run push = machineA.run("push", base);
        assertThat(push.exit()).as(push.all()).isZero();
    }

    @AfterAll
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    /** A two-stage build: the builder makes a 300 KB random file, the final stage copies it and runs. */
    Path context(String name, String finalRun) throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve(name));
        Files.createDirectories(ctx.resolve("src"));
        Files.writeString(ctx.resolve("src/a.txt"), "hello\n");
        Files.writeString(ctx.resolve("extra.txt"), "extra\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base + " AS builder\n"
                + "COPY src /src\n"
                + "RUN echo marker-building && mkdir /out && cat /src/a.txt > /out/result"
                + " && head -c 300000 /dev/urandom > /out/blob\n"
                + "FROM " + base + "\n"
                + "COPY --from=builder /out /app\n"
                + "RUN echo " + finalRun + " && ls /app > /listing\n"
                + "COPY extra.txt /extra.txt\n");
        return ctx;
    }

    /** The context as another machine's checkout has it: another absolute path, other mtimes. */
    static Path copyTouched(Path src, Path dest) throws Exception {
        try (var files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path t = dest.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t);
                }
                Files.setLastModifiedTime(t, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
            }
        }
        return dest;
    }

    KilnRunner fresh(String name) {
        return new KilnRunner(tmp.resolve(name));
    }

    static boolean ran(KilnRunner.Run r, String marker) {
        return Pattern.compile("#\\d+ \\d+\\.\\d+ " + marker + "$", Pattern.MULTILINE).matcher(r.stderr()).find();
    }

    /** Names of the Dockerfile steps shown, and those shown as CACHED. */
    static List<List<String>> steps(KilnRunner.Run r) {
        Matcher m = Pattern.compile("^#(\\d+) (\\[(?!internal).*)$", Pattern.MULTILINE).matcher(r.stderr());
        List<String> all = new ArrayList<>();
        List<String> cached = new ArrayList<>();
        while (m.find()) {
            all.add(m.group(2));
            if (r.stderr().contains("#" + m.group(1) + " CACHED\n")) {
                cached.add(m.group(2));
            }
        }
        return List.of(all, cached);
    }

    JsonNode cacheConfig(String repo, String tag) throws Exception {
        JsonNode manifest = JSON.readTree(registry.get("/v2/" + repo + "/manifests/" + tag, OCI_MANIFEST));
        assertThat(manifest.path("config").path("mediaType").asText()).isEqualTo("application/vnd.kiln.cache.config.v1+json");
        return JSON.readTree(registry.get("/v2/" + repo + "/blobs/" + manifest.path("config").path("digest").asText(), null));
    }

    static Set<String> layerDigests(JsonNode config) {
        Set<String> out = new HashSet<>();
        config.path("layers").forEach(l -> out.add(l.path("digest").asText()));
        return out;
    }

    List<AccessLoggedRegistry.Request> since(int mark) throws Exception {
        List<AccessLoggedRegistry.Request> all = registry.requests();
        return all.subList(mark, all.size());
    }

    @Test
    void aMaxCacheMakesACleanMachineBuildEverythingCachedWithoutDownloadingALayer() throws Exception {
        Path ctx = context("app-max", "marker-final");
        KilnRunner.Run a = machineA.run("build", "--progress", "plain", "--push", "-t", registry.reference("app/img:1"),
                "--cache-to", "type=registry,ref=" + registry.reference("app/cache:max") + ",mode=max", ctx.toString());
        assertThat(a.exit()).as(a.all()).isZero();
        JsonNode config = cacheConfig("app/cache", "max");
        assertThat(config.path("records")).hasSize(6);
        Set<String> layers = layerDigests(config);
        assertThat(layers).hasSize(9);

        Path elsewhere = copyTouched(ctx, tmp.resolve("elsewhere/checkout-of-app"));
        int mark = registry.requests().size();
        KilnRunner machineB = fresh("machine-b");
        KilnRunner.Run b = machineB.run("build", "--progress", "plain", "--push", "-t", registry.reference("b/img:1"),
                "--cache-from", "type=registry,ref=" + registry.reference("app/cache:max"), elsewhere.toString());
        assertThat(b.exit()).as(b.all()).isZero();
        assertThat(ran(b, "marker-building")).as(b.stderr()).isFalse();
        assertThat(ran(b, "marker-final")).as(b.stderr()).isFalse();
        List<List<String>> steps = steps(b);
        assertThat(steps.get(0)).isNotEmpty();
        assertThat(steps.get(1)).as(b.stderr()).isEqualTo(steps.get(0));

        List<AccessLoggedRegistry.Request> wire = since(mark);
        assertThat(wire.stream().filter(AccessLoggedRegistry.Request::isBlobGet)
                .map(AccessLoggedRegistry.Request::blobDigest)).as("layer downloads").noneMatch(layers::contains);
        assertThat(wire.stream().filter(r -> r.path().startsWith("/v2/b/img/blobs/uploads/") && r.method().equals("PUT"))
                .map(r -> r.path().replaceFirst(".*digest=sha256%3A", "sha256:"))).as("layer uploads").noneMatch(layers::contains);
        assertThat(wire).as("cross-repository mounts from the cache")
                .anyMatch(r -> r.method().equals("POST") && r.path().startsWith("/v2/b/img/blobs/uploads/?mount=")
                        && r.status() == 201);

        JsonNode imgA = JSON.readTree(registry.get("/v2/app/img/manifests/1", OCI_MANIFEST));
        JsonNode imgB = JSON.readTree(registry.get("/v2/b/img/manifests/1", OCI_MANIFEST));
        assertThat(imgB.path("layers").toString()).isEqualTo(imgA.path("layers").toString());

        assertThat(b.stderr()).contains("not keeping " + registry.reference("b/img:1"));
        assertThat(machineB.run("images").stdout()).doesNotContain("b/img");
        assertThat(machineB.run("pull", registry.reference("b/img:1")).exit()).isZero();
        KilnRunner.Run save = machineB.run("save", "-o", tmp.resolve("b-img.tar").toString(), registry.reference("b/img:1"));
        assertThat(save.exit()).as(save.all()).isZero();
    }

    @Test
    void aChangeInTheLastStageRerunsOnlyItsStepsAfterTheChangeAndDownloadsOnlyWhatThoseRunOn() throws Exception {
        Path ctx = context("app-partial", "marker-final");
        KilnRunner.Run a = machineA.run("build", "--progress", "plain",
                "--cache-to", "type=registry,ref=" + registry.reference("app/cache:partial") + ",mode=max", ctx.toString());
        assertThat(a.exit()).as(a.all()).isZero();
        JsonNode config = cacheConfig("app/cache", "partial");
        String builderBlob = null;
        for (JsonNode r : config.path("records")) {
            if (r.path("description").asText().startsWith("[builder 3/3]")) {
                JsonNode chain = r.path("results").get(0);
                builderBlob = config.path("layers").get(chain.get(chain.size() - 1).asInt()).path("digest").asText();
            }
        }
        assertThat(builderBlob).isNotNull();

        Files.writeString(ctx.resolve("Dockerfile"), Files.readString(ctx.resolve("Dockerfile"))
                .replace("marker-final", "marker-changed"));
        int mark = registry.requests().size();
        KilnRunner machineC = fresh("machine-c");
        KilnRunner.Run c = machineC.run("build", "--progress", "plain", "-t", "partial:1",
                "--cache-from", "type=registry,ref=" + registry.reference("app/cache:partial"), ctx.toString());
        assertThat(c.exit()).as(c.all()).isZero();
        assertThat(ran(c, "marker-building")).as(c.stderr()).isFalse();
        assertThat(ran(c, "marker-changed")).as(c.stderr()).isTrue();
        List<List<String>> steps = steps(c);
        assertThat(steps.get(1)).as(c.stderr()).anyMatch(s -> s.startsWith("[stage-1 2/4] COPY --from=builder"));
        assertThat(steps.get(1)).noneMatch(s -> s.contains("RUN echo marker-changed") || s.contains("COPY extra.txt"));
        String builderLayer = builderBlob;
        assertThat(since(mark).stream().filter(AccessLoggedRegistry.Request::isBlobGet)
                .map(AccessLoggedRegistry.Request::blobDigest)).as("the builder's layer is not needed")
                .doesNotContain(builderLayer);

        KilnRunner.Run again = machineC.run("build", "--progress", "plain", "-t", "partial:2", ctx.toString());
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(ran(again, "marker-building") || ran(again, "marker-changed"))
                .as("the imported steps this machine unpacked are in its local cache now: " + again.stderr()).isFalse();
    }

    @Test
    void modeMinKeepsOnlyTheFinalImagesStepsAndStillServesAFullHitAlsoAsAnIndex() throws Exception {
        Path ctx = context("app-min", "marker-final");
        KilnRunner.Run a = machineA.run("build", "--progress", "plain",
                "--cache-to", "type=registry,ref=" + registry.reference("app/cache:min"), "--cache-to",
                "type=registry,ref=" + registry.reference("app/cache:min-index") + ",image-manifest=false", ctx.toString());
        assertThat(a.exit()).as(a.all()).isZero();
        JsonNode config = cacheConfig("app/cache", "min");
        JsonNode index = JSON.readTree(registry.get("/v2/app/cache/manifests/min-index",
                "application/vnd.oci.image.index.v1+json"));
        assertThat(index.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.index.v1+json");
        JsonNode last = index.path("manifests").get(index.path("manifests").size() - 1);
        assertThat(last.path("mediaType").asText()).isEqualTo("application/vnd.kiln.cache.config.v1+json");
        assertThat(JSON.readTree(registry.get("/v2/app/cache/blobs/" + last.path("digest").asText(), null)))
                .isEqualTo(config);
        assertThat(config.path("records")).hasSize(4);
        config.path("records").forEach(r -> assertThat(r.path("description").asText()).doesNotStartWith("[builder"));

        KilnRunner.Run d = fresh("machine-d").run("build", "--progress", "plain", "--cache-from",
                registry.reference("app/cache:min"), ctx.toString());
        assertThat(d.exit()).as(d.all()).isZero();
        assertThat(ran(d, "marker-building") || ran(d, "marker-final")).as(d.stderr()).isFalse();
        assertThat(steps(d).get(1)).isEqualTo(steps(d).get(0));

        KilnRunner.Run fromIndex = fresh("machine-d2").run("build", "--progress", "plain", "--cache-from",
                registry.reference("app/cache:min-index"), ctx.toString());
        assertThat(fromIndex.exit()).as(fromIndex.all()).isZero();
        assertThat(ran(fromIndex, "marker-building") || ran(fromIndex, "marker-final")).as(fromIndex.stderr()).isFalse();
        assertThat(steps(fromIndex).get(1)).isEqualTo(steps(fromIndex).get(0));
    }

    @Test
    void aLocalDirectoryCacheRoundTripsWithoutTheRegistry() throws Exception {
        Path ctx = context("app-local", "marker-final");
        Path dir = tmp.resolve("cache-dir");
        KilnRunner.Run a = machineA.run("build", "--progress", "plain",
                "--cache-to", "type=local,dest=" + dir + ",mode=max,compression=zstd,force-compression=true", ctx.toString());
        assertThat(a.exit()).as(a.all()).isZero();
        assertThat(dir.resolve("index.json")).exists();
        assertThat(dir.resolve("oci-layout")).exists();
        String manifestDigest = JSON.readTree(dir.resolve("index.json").toFile()).path("manifests").get(0).path("digest")
                .asText().replace("sha256:", "");
        JsonNode manifest = JSON.readTree(dir.resolve("blobs/sha256/" + manifestDigest).toFile());
        assertThat(manifest.path("layers")).hasSize(9)
                .allSatisfy(l -> assertThat(l.path("mediaType").asText()).endsWith("+zstd"));

        int mark = registry.requests().size();
        Path oci = tmp.resolve("from-local.tar");
        KilnRunner.Run e = fresh("machine-e").run("build", "--progress", "plain", "-o", "type=oci,dest=" + oci,
                "--cache-from", "type=local,src=" + dir, ctx.toString());
        assertThat(e.exit()).as(e.all()).isZero();
        assertThat(ran(e, "marker-building") || ran(e, "marker-final")).as(e.stderr()).isFalse();
        assertThat(steps(e).get(1)).isEqualTo(steps(e).get(0));
        assertThat(oci).exists();
        JsonNode config = JSON.readTree(Files.readString(dir.resolve("index.json")));
        assertThat(config.path("manifests")).hasSize(1);
        assertThat(since(mark).stream().filter(r -> r.isBlobGet() && !r.path().startsWith("/v2/base/"))).isEmpty();
    }

    @Test
    void anImageWithAnInlineCacheIsACacheSource() throws Exception {
        Path ctx = context("app-inline", "marker-final");
        String image = registry.reference("app/inline:1");
        KilnRunner.Run a = machineA.run("build", "--progress", "plain", "--push", "-t", image, "--cache-to", "type=inline",
                ctx.toString());
        assertThat(a.exit()).as(a.all()).isZero();

        int mark = registry.requests().size();
        KilnRunner.Run f = fresh("machine-f").run("build", "--progress", "plain", "--push", "-t",
                registry.reference("app/inline:2"), "--cache-from", image, ctx.toString());
        assertThat(f.exit()).as(f.all()).isZero();
        assertThat(ran(f, "marker-building") || ran(f, "marker-final")).as(f.stderr()).isFalse();
        assertThat(steps(f).get(1)).isEqualTo(steps(f).get(0));
        JsonNode manifest = JSON.readTree(registry.get("/v2/app/inline/manifests/1", OCI_MANIFEST));
        Set<String> layers = new HashSet<>();
        manifest.path("layers").forEach(l -> layers.add(l.path("digest").asText()));
        assertThat(since(mark).stream().filter(AccessLoggedRegistry.Request::isBlobGet)
                .map(AccessLoggedRegistry.Request::blobDigest)).noneMatch(layers::contains);
    }

    @Test
    void cacheMountContentsTravelOnlyWhenExportedWithCacheMountsTrue() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("app-mounts"));
        Files.createDirectories(ctx.resolve("src"));
        Files.writeString(ctx.resolve("src/a.txt"), "v1\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM " + base + "\nCOPY src /src\n"
                + "RUN --mount=type=cache,id=compile,target=/cache sh -c 'if [ -f /cache/stamp ]; then echo warm-$(cat"
                + " /cache/stamp); else echo cold; echo from-a > /cache/stamp; fi; cat /src/a.txt > /out'\n");
        KilnRunner.Run a = machineA.run("build", "--progress", "plain", "--cache-to", "type=registry,ref="
                + registry.reference("app/cache:mounts") + ",mode=max,cache-mounts=true", ctx.toString());
        assertThat(a.exit()).as(a.all()).isZero();
        assertThat(ran(a, "cold")).as(a.stderr()).isTrue();
        KilnRunner.Run without = machineA.run("build", "--progress", "plain", "--cache-to", "type=registry,ref="
                + registry.reference("app/cache:nomounts") + ",mode=max", ctx.toString());
        assertThat(without.exit()).as(without.all()).isZero();
        assertThat(cacheConfig("app/cache", "mounts").path("cacheMounts")).hasSize(1);
        assertThat(cacheConfig("app/cache", "nomounts").path("cacheMounts")).isEmpty();

        Files.writeString(ctx.resolve("src/a.txt"), "v2\n");
        KilnRunner.Run b = fresh("machine-mounts-b").run("build", "--progress", "plain", "--cache-from",
                registry.reference("app/cache:mounts"), ctx.toString());
        assertThat(b.exit()).as(b.all()).isZero();
        assertThat(ran(b, "warm-from-a")).as(b.stderr()).isTrue();
        KilnRunner.Run c = fresh("machine-mounts-c").run("build", "--progress", "plain", "--cache-from",
                registry.reference("app/cache:nomounts"), ctx.toString());
        assertThat(c.exit()).as(c.all()).isZero();
        assertThat(ran(c, "cold")).as(c.stderr()).isTrue();
    }

    @Test
    void anUnreadableCacheSourceIsOnlyAWarning() throws Exception {
        Path ctx = context("app-missing", "marker-final");
        KilnRunner.Run g = fresh("machine-g").run("build", "--progress", "plain", "--cache-from",
                registry.reference("nothing/here:1"), ctx.toString());
        assertThat(g.exit()).as(g.all()).isZero();
        assertThat(g.stderr()).contains("cannot import cache from " + registry.reference("nothing/here:1"));
        assertThat(ran(g, "marker-building")).isTrue();
    }
}
