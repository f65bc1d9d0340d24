package dev.kiln.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.common.Digest;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.fs.FileInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerApplierTest {
    @TempDir
    Path tmp;

    private final int uid = uidOf(Path.of(System.getProperty("java.io.tmpdir")));

    private static int uidOf(Path p) {
        try {
            return FileInfo.of(p).uid();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A tar of the given entries; a regular file's content is its name. */
    private byte[] tar(TarEntry... entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarStreamWriter w = new TarStreamWriter(out);
        for (TarEntry e : entries) {
            w.putEntry(e);
            if (e.size() > 0) {
                w.writeContent(new ByteArrayInputStream(e.name().getBytes(StandardCharsets.UTF_8)));
            }
        }
        w.finish();
        return out.toByteArray();
    }

    private TarEntry file(String name) {
        return TarEntry.file(name, 0644, uid, uid, 1_000_000, name.getBytes(StandardCharsets.UTF_8).length);
    }

    private TarEntry dir(String name) {
        return TarEntry.directory(name, 0755, uid, uid, 1_000_000);
    }

    private TarEntry marker(String name) {
        return TarEntry.file(name, 0, 0, 0, 0, 0);
    }

    @Test
    void writtenLayerAppliedMergedReproducesTheTree() throws IOException {
        Path src = LayerTestTrees.build(tmp.resolve("src"));
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        LayerBlob blob = new LayerWriter(store).write(src, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Digest diffId = new LayerApplier(LayerApplier.Mode.MERGED).apply(store, blob.descriptor(), dst, Optional.of(blob.diffId()));
        assertThat(diffId).isEqualTo(blob.diffId());
        assertThat(TreeSnapshot.of(dst)).isEqualTo(TreeSnapshot.of(src));
        assertThat(FileInfo.of(dst.resolve("bin/tool-again")).ino()).isEqualTo(FileInfo.of(dst.resolve("bin/tool")).ino());
        // and writing the applied tree again gives the same layer
        LayerBlob again = new LayerWriter(store).write(dst, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        assertThat(again.diffId()).isEqualTo(blob.diffId());
    }

    @Test
    void zstdAndPlainLayersApplyToo() throws IOException {
        Path src = LayerTestTrees.build(tmp.resolve("src"));
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        for (Compression c : List.of(Compression.ZSTD, Compression.NONE)) {
            LayerBlob blob = new LayerWriter(store).write(src, LayerSource.TREE, LayerWriter.Options.DEFAULT.withCompression(c));
            Path dst = Files.createDirectories(tmp.resolve("dst-" + c));
            new LayerApplier(LayerApplier.Mode.MERGED).apply(store, blob.descriptor(), dst, Optional.of(blob.diffId()));
            assertThat(TreeSnapshot.of(dst)).as(c.name()).isEqualTo(TreeSnapshot.of(src));
        }
    }

    @Test
    void wrongDiffIdIsReported() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        byte[] layer = tar(file("f"));
        assertThatThrownBy(() -> new LayerApplier(LayerApplier.Mode.MERGED)
                .apply(new ByteArrayInputStream(layer), dst, Optional.of(Digest.sha256("other"))))
                .isInstanceOf(IOException.class).hasMessageContaining("diffID mismatch");
    }

    @Test
    void rejectsDotDotAndAbsolutePaths() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("root/dst"));
        LayerApplier applier = new LayerApplier(LayerApplier.Mode.MERGED);
        for (String evil : List.of("../x", "a/../../x", "/x", "a/..")) {
            byte[] layer = tar(file(evil));
            assertThatThrownBy(() -> applier.apply(new ByteArrayInputStream(layer), dst, Optional.empty()))
                    .as(evil).isInstanceOf(IOException.class).hasMessageContaining("unsafe path");
        }
        assertThat(tmp.resolve("root/x")).doesNotExist();
        byte[] link = tar(file("f"), new TarEntry("l", TarEntry.Type.HARDLINK, 0644, uid, uid, 0, 0, "../../etc/passwd", 0, 0, null));
        assertThatThrownBy(() -> applier.apply(new ByteArrayInputStream(link), dst, Optional.empty()))
                .isInstanceOf(IOException.class).hasMessageContaining("unsafe path");
    }

    @Test
    void whiteoutsOfDotDotOrNothingAreRejected() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("root/dst"));
        Files.writeString(tmp.resolve("root/sibling"), "keep");
        Files.writeString(dst.resolve("inside"), "keep");
        for (LayerApplier.Mode mode : LayerApplier.Mode.values()) {
            for (String evil : List.of(".wh...", ".wh..", ".wh.", "d/.wh...")) {
                byte[] layer = tar(dir("d"), marker(evil));
                assertThatThrownBy(() -> new LayerApplier(mode).apply(new ByteArrayInputStream(layer), dst, Optional.empty()))
                        .as(mode + " " + evil).isInstanceOf(IOException.class).hasMessageContaining("unsafe path");
            }
        }
        assertThat(tmp.resolve("root/sibling")).hasContent("keep");
        assertThat(dst.resolve("inside")).hasContent("keep");
    }

    @Test
    void symlinksNeverLeadWritesOutOfTheRoot() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        byte[] layer = tar(
                TarEntry.symlink("up", "../../outside", uid, uid, 0),
                TarEntry.symlink("abs", outside.toString(), uid, uid, 0),
                TarEntry.symlink("loop", "loop", uid, uid, 0),
                file("up/escaped"),
                file("abs/escaped2"));
        new LayerApplier(LayerApplier.Mode.MERGED).apply(new ByteArrayInputStream(layer), dst, Optional.empty());
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
        // ".." stops at the root, so "up" means ROOT/outside; "abs" is the same absolute path under the root
        assertThat(dst.resolve("outside/escaped")).hasContent("up/escaped");
        assertThat(dst.resolve(outside.toString().substring(1)).resolve("escaped2")).hasContent("abs/escaped2");
        assertThat(Files.isSymbolicLink(dst.resolve("up"))).isTrue();

        byte[] loop = tar(file("loop/x"));
        assertThatThrownBy(() -> new LayerApplier(LayerApplier.Mode.MERGED)
                .apply(new ByteArrayInputStream(loop), dst, Optional.empty()))
                .isInstanceOf(IOException.class).hasMessageContaining("symbolic links");
    }

    @Test
    void replacingASymlinkWritesTheEntryNotTheLinkTarget() throws IOException {
        Path outside = Files.writeString(tmp.resolve("victim"), "keep");
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        Files.createSymbolicLink(dst.resolve("f"), outside);
        new LayerApplier(LayerApplier.Mode.MERGED).apply(new ByteArrayInputStream(tar(file("f"))), dst, Optional.empty());
        assertThat(outside).hasContent("keep");
        assertThat(Files.isSymbolicLink(dst.resolve("f"))).isFalse();
        assertThat(dst.resolve("f")).hasContent("f");
    }

    @Test
    void mergedModeAppliesWhiteoutsAndOpaqueDirsBeforeTheLayersEntries() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        LayerApplier applier = new LayerApplier(LayerApplier.Mode.MERGED);
        applier.apply(new ByteArrayInputStream(tar(dir("d"), file("d/old1"), dir("d/sub"), file("d/sub/old2"),
                file("gone"), dir("gonedir"), file("gonedir/x"), file("stay"))), dst, Optional.empty());
        // the new file comes before the opaque marker in this (unusual but valid) order: it must survive
        applier.apply(new ByteArrayInputStream(tar(dir("d"), file("d/a-new"), marker("d/.wh..wh..opq"),
                marker(".wh.gone"), marker(".wh.gonedir"), file("d/z-new"))), dst, Optional.empty());
        assertThat(dst.resolve("gone")).doesNotExist();
        assertThat(dst.resolve("gonedir")).doesNotExist();
        assertThat(dst.resolve("stay")).exists();
        try (var d = Files.list(dst.resolve("d"))) {
            assertThat(d.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a-new", "z-new");
        }
        assertThat(dst.resolve(".wh.gone")).doesNotExist();
    }

    @Test
    void missingParentsAreCreatedAndModesAndTimesRestored() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        TarEntry exe = new TarEntry("x/y/run", TarEntry.Type.FILE, 04711, uid, uid, 123_456, 7, null, 0, 0, null);
        new LayerApplier(LayerApplier.Mode.MERGED).apply(new ByteArrayInputStream(tar(exe,
                TarEntry.symlink("x/link", "y/run", uid, uid, 42))), dst, Optional.empty());
        FileInfo info = FileInfo.of(dst.resolve("x/y/run"));
        assertThat(info.permissions()).isEqualTo(04711);
        assertThat(info.lastModified().toInstant().getEpochSecond()).isEqualTo(123_456);
        assertThat(FileInfo.of(dst.resolve("x/link")).lastModified().toInstant().getEpochSecond()).isEqualTo(42);
        assertThat(Files.isDirectory(dst.resolve("x/y"))).isTrue();
    }
}
