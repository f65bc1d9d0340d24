package dev.kiln.oci.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.common.Platform;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.image.ImageReader;
import dev.kiln.oci.image.ResolvedImage;
import dev.kiln.oci.layer.LayerBlob;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveRoundTripTest {
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

    private List<NamedImage> named() {
        return List.of(NamedImage.of("localhost:5000/app:1", image.manifest()), NamedImage.of("app:2", image.manifest()));
    }

    @Test
    void ociLayoutTarRoundTripsWithNamesAndIsDeterministic() throws IOException {
        Path tar = tmp.resolve("out/app.tar");
        new OciLayoutWriter(store).writeTar(named(), tar);
        Path tar2 = tmp.resolve("out/app2.tar");
        new OciLayoutWriter(store).writeTar(named(), tar2);
        assertThat(Files.readAllBytes(tar2)).isEqualTo(Files.readAllBytes(tar));
        assertThat(ImageArchiveReader.detect(tar)).isEqualTo(ImageArchiveReader.Format.OCI_LAYOUT);

        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        ImageArchiveReader.Loaded loaded = new ImageArchiveReader(other).load(tar);
        assertThat(loaded.format()).isEqualTo(ImageArchiveReader.Format.OCI_LAYOUT);
        assertThat(loaded.images()).extracting(i -> i.name().orElseThrow())
                .containsExactly("localhost:5000/app:1", "docker.io/library/app:2");
        assertThat(loaded.images()).allSatisfy(i -> assertThat(i.manifest().digest()).isEqualTo(image.manifest().digest()));
        assertThat(loaded.images().getFirst().manifest().annotations())
                .containsEntry(OciLayoutWriter.REF_NAME, "1")
                .containsEntry(OciLayoutWriter.IMAGE_NAME, "localhost:5000/app:1");
        ResolvedImage r = new ImageReader(other).resolve(loaded.images().getFirst().manifest(), AMD64);
        assertThat(r.manifest().layers()).extracting(Descriptor::digest)
                .containsExactlyElementsOf(image.layers().stream().map(l -> l.descriptor().digest()).toList());
        for (Descriptor layer : r.manifest().layers()) {
            assertThat(other.exists(layer.digestValue())).isTrue();
        }
    }

    @Test
    void ociLayoutDirectoryPicksByTagOrDigest() throws IOException {
        Path dir = tmp.resolve("layout");
        new OciLayoutWriter(store).writeDirectory(named(), dir);
        assertThat(dir.resolve("oci-layout")).exists();
        assertThat(dir.resolve("blobs/sha256/" + image.manifest().digestValue().hex())).exists();
        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        OciLayoutReader reader = new OciLayoutReader(other);
        assertThat(reader.readOne(dir, Optional.of("2")).name()).contains("docker.io/library/app:2");
        assertThat(reader.readOne(dir, Optional.of("localhost:5000/app:1")).name()).contains("localhost:5000/app:1");
        assertThat(reader.read(dir, Optional.of(image.manifest().digest()))).hasSize(2);
        assertThatThrownBy(() -> reader.readOne(dir, Optional.empty())).isInstanceOf(KilnException.class);
        assertThatThrownBy(() -> reader.read(dir, Optional.of("3"))).isInstanceOf(KilnException.class);
        // rewriting replaces the directory
        new OciLayoutWriter(store).writeDirectory(List.of(named().getFirst()), dir);
        assertThat(reader.readOne(dir, Optional.empty()).name()).contains("localhost:5000/app:1");
    }

    @Test
    void dockerArchiveRoundTripsToAManifestWhoseLayersMatchTheBlobs() throws IOException {
        Path tar = tmp.resolve("docker.tar");
        new DockerArchiveWriter(store, AMD64).write(named(), tar);
        assertThat(ImageArchiveReader.detect(tar)).isEqualTo(ImageArchiveReader.Format.DOCKER_ARCHIVE);

        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        ImageArchiveReader.Loaded loaded = new ImageArchiveReader(other).load(tar);
        assertThat(loaded.format()).isEqualTo(ImageArchiveReader.Format.DOCKER_ARCHIVE);
        assertThat(loaded.images()).extracting(i -> i.name().orElseThrow())
                .containsExactly("localhost:5000/app:1", "docker.io/library/app:2");
        Descriptor md = loaded.images().getFirst().manifest();
        assertThat(md.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        ResolvedImage r = new ImageReader(other).resolve(md, AMD64);
        assertThat(r.configDescriptor().digest()).isEqualTo(image.config().digest());
        List<Digest> diffIds = image.layers().stream().map(LayerBlob::diffId).toList();
        assertThat(r.config().diffIds()).isEqualTo(diffIds);
        for (int i = 0; i < diffIds.size(); i++) {
            Descriptor layer = r.manifest().layers().get(i);
            assertThat(layer.mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER);
            assertThat(layer.digestValue()).isEqualTo(diffIds.get(i));
            assertThat(Digest.sha256(other.path(layer.digestValue()))).isEqualTo(layer.digestValue());
            assertThat(other.size(layer.digestValue())).contains(layer.size());
        }
    }

    @Test
    void aSelectorPicksOneImageOfEitherFormat() throws IOException {
        Path docker = tmp.resolve("docker.tar");
        new DockerArchiveWriter(store, AMD64).write(named(), docker);
        Path oci = tmp.resolve("oci.tar");
        new OciLayoutWriter(store).writeTar(named(), oci);
        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        ImageArchiveReader reader = new ImageArchiveReader(other);
        for (Path archive : List.of(docker, oci)) {
            assertThat(reader.load(archive, Optional.of("app:2")).images()).extracting(i -> i.name().orElseThrow())
                    .as(archive.toString()).containsExactly("docker.io/library/app:2");
            assertThatThrownBy(() -> reader.load(archive, Optional.of("nope:9"))).isInstanceOf(KilnException.class);
        }
    }

    @Test
    void readsOldDockerSaveArchivesWhoseDuplicateLayersAreSymlinks() throws IOException {
        // docker save (before 25) links a layer that two images share instead of storing it twice
        LayerBlob base = image.layers().getFirst();
        byte[] layerTar;
        try (var in = dev.kiln.oci.layer.Compression.decompressDetected(store.open(base.descriptor().digestValue()))) {
            layerTar = in.readAllBytes();
        }
        byte[] config = dev.kiln.oci.image.ImageConfig.scratch(AMD64)
                .withLayer(base.diffId(), dev.kiln.oci.image.ImageConfig.History.of(null, "a", false))
                .withLayer(base.diffId(), dev.kiln.oci.image.ImageConfig.History.of(null, "b", false)).toJson();
        String manifest = "[{\"Config\":\"cfg.json\",\"RepoTags\":[\"old:1\"],"
                + "\"Layers\":[\"one/layer.tar\",\"two/layer.tar\"]}]";
        Path tar = tmp.resolve("old.tar");
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(tar))) {
            addFile(out, "one/layer.tar", layerTar);
            var link = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("two/layer.tar",
                    org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
            link.setLinkName("../one/layer.tar");
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
            addFile(out, "cfg.json", config);
            addFile(out, "manifest.json", manifest.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        NamedImage loaded = new ImageArchiveReader(other).load(tar).images().getFirst();
        assertThat(loaded.name()).contains("docker.io/library/old:1");
        ResolvedImage r = new ImageReader(other).resolve(loaded.manifest(), AMD64);
        assertThat(r.manifest().layers()).extracting(Descriptor::digestValue).containsExactly(base.diffId(), base.diffId());
    }

    private static void addFile(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream out, String name,
            byte[] content) throws IOException {
        var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
        e.setSize(content.length);
        out.putArchiveEntry(e);
        out.write(content);
        out.closeArchiveEntry();
    }

    @Test
    void compressedArchivesLoadToo() throws IOException {
        Path tar = tmp.resolve("docker.tar");
        new DockerArchiveWriter(store, AMD64).write(named(), tar);
        Path gz = tmp.resolve("docker.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(tar, out);
        }
        FileContentStore other = new FileContentStore(tmp.resolve("other"));
        assertThat(new ImageArchiveReader(other).load(gz).images()).hasSize(2);
    }

    @Test
    void aFailedWriteLeavesNothingAtTheDestination() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path dest = out.resolve("app.tar");
        Files.writeString(dest, "previous");
        store.delete(image.layers().getLast().descriptor().digestValue());
        assertThatThrownBy(() -> new OciLayoutWriter(store).writeTar(named(), dest)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new DockerArchiveWriter(store, AMD64).write(named(), dest)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> new OciLayoutWriter(store).writeDirectory(named(), out.resolve("dir")))
                .isInstanceOf(IOException.class);
        assertThat(dest).hasContent("previous");
        try (var files = Files.list(out)) {
            assertThat(files).containsExactly(dest);
        }
    }

    @Test
    void notAnArchiveIsReportedClearly() throws IOException {
        Path junk = Files.writeString(tmp.resolve("junk.tar"), "hello");
        assertThatThrownBy(() -> new ImageArchiveReader(store).load(junk)).isInstanceOf(IOException.class);
        Path emptyDir = Files.createDirectories(tmp.resolve("emptydir"));
        assertThatThrownBy(() -> ImageArchiveReader.detect(emptyDir))
                .isInstanceOf(IOException.class).hasMessageContaining("neither");
    }
}
