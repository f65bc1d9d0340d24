package dev.kiln.oci.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.common.Platform;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.image.ImageJson;
import dev.kiln.oci.image.ImageReader;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerBlob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Checks the archives Kiln writes with a real peer, skopeo, and reads what skopeo writes. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ArchiveSkopeoIT {
    private static final Platform AMD64 = Platform.parse("linux/amd64");

    @TempDir
    Path tmp;
    FileContentStore store;
    TestImages.Built image;

    @BeforeEach
    void build() throws IOException {
        store = new FileContentStore(tmp.resolve("store"));
        image = TestImages.busybox(store, tmp.resolve("work"));
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + out);
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void skopeoInspectsTheOciArchive() throws Exception {
        Path tar = tmp.resolve("app-oci.tar");
        new OciLayoutWriter(store).writeTar(List.of(NamedImage.of("localhost:5000/kiln/app:1", image.manifest())), tar);
        JsonNode info = ImageJson.mapper().readTree(run("skopeo", "inspect", "oci-archive:" + tar + ":1"));
        assertThat(info.get("Digest").asText()).isEqualTo(image.manifest().digest());
        assertThat(info.get("Architecture").asText()).isEqualTo("amd64");
        assertThat(texts(info.get("Layers"))).containsExactlyElementsOf(
                image.layers().stream().map(l -> l.descriptor().digest()).toList());
        assertThat(texts(info.get("Env"))).contains("PATH=/bin");
    }

    @Test
    void skopeoInspectsTheDockerArchive() throws Exception {
        Path tar = tmp.resolve("app-docker.tar");
        new DockerArchiveWriter(store, AMD64).write(List.of(NamedImage.of("kiln/app:1", image.manifest())), tar);
        JsonNode info = ImageJson.mapper().readTree(run("skopeo", "inspect", "docker-archive:" + tar));
        assertThat(texts(info.get("Layers"))).containsExactlyElementsOf(
                image.layers().stream().map(l -> l.diffId().toString()).toList());
        assertThat(texts(info.get("RepoTags"))).isEmpty();
        JsonNode config = ImageJson.mapper().readTree(run("skopeo", "inspect", "--config", "docker-archive:" + tar));
        assertThat(texts(config.get("config").get("Cmd"))).containsExactly("sh");
    }

    @Test
    void readsArchivesSkopeoWritesAndTheLayersUnpackToRunnableBusybox() throws Exception {
        Path ours = tmp.resolve("ours.tar");
        new OciLayoutWriter(store).writeTar(List.of(NamedImage.of("kiln/app:1", image.manifest())), ours);
        Path theirsDocker = tmp.resolve("theirs-docker.tar");
        run("skopeo", "copy", "oci-archive:" + ours + ":1", "docker-archive:" + theirsDocker + ":kiln/copied:2");
        Path theirsOci = tmp.resolve("theirs-oci");
        run("skopeo", "copy", "docker-archive:" + theirsDocker, "oci:" + theirsOci + ":3");

        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        ImageArchiveReader reader = new ImageArchiveReader(other);
        ImageArchiveReader.Loaded docker = reader.load(theirsDocker);
        assertThat(docker.format()).isEqualTo(ImageArchiveReader.Format.DOCKER_ARCHIVE);
        assertThat(docker.images()).extracting(i -> i.name().orElseThrow()).containsExactly("docker.io/kiln/copied:2");
        ImageArchiveReader.Loaded oci = reader.load(theirsOci);
        assertThat(oci.format()).isEqualTo(ImageArchiveReader.Format.OCI_LAYOUT);
        assertThat(oci.images()).extracting(i -> i.name().orElseThrow()).containsExactly("3");

        for (NamedImage loaded : List.of(docker.images().getFirst(), oci.images().getFirst())) {
            ResolvedImage r = new ImageReader(other).resolve(loaded.manifest(), AMD64);
            assertThat(r.config().diffIds()).containsExactlyElementsOf(image.layers().stream().map(LayerBlob::diffId).toList());
            Path rootfs = Files.createTempDirectory(tmp, "rootfs");
            for (int i = 0; i < r.manifest().layers().size(); i++) {
                new LayerApplier(LayerApplier.Mode.MERGED).apply(other, r.manifest().layers().get(i), rootfs,
                        Optional.of(r.config().diffIds().get(i)));
            }
            assertThat(run(rootfs.resolve("bin/busybox").toString(), "cat", rootfs.resolve("etc/motd").toString()))
                    .isEqualTo("built by kiln\n");
            assertThat(Files.readSymbolicLink(rootfs.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        }
    }

    @Test
    void umociUnpacksTheOciLayoutAndRuncRunsIt() throws Exception {
        Path layout = tmp.resolve("layout");
        new OciLayoutWriter(store).writeDirectory(List.of(NamedImage.of("kiln/app:1", image.manifest())), layout);
        Path bundle = tmp.resolve("bundle");
        run("umoci", "unpack", "--image", layout + ":1", bundle.toString());
        Path configFile = bundle.resolve("config.json");
        com.fasterxml.jackson.databind.node.ObjectNode spec =
                (com.fasterxml.jackson.databind.node.ObjectNode) ImageJson.mapper().readTree(configFile.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode process = (com.fasterxml.jackson.databind.node.ObjectNode) spec.get("process");
        process.put("terminal", false);
        process.putArray("args").add("/bin/sh").add("-c").add("cat /etc/motd; echo $PATH");
        ImageJson.mapper().writeValue(configFile.toFile(), spec);
        String id = "kiln-oci-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try {
            assertThat(run("runc", "run", "-b", bundle.toString(), id)).isEqualTo("built by kiln\n/bin\n");
        } finally {
            new ProcessBuilder("runc", "delete", "-f", id).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
