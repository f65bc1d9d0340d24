package dev.kiln.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.common.Digest;
import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.MediaTypes;
import dev.kiln.oci.fs.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {
    @TempDir
    Path tmp;

    static List<TarEntry> entries(FileContentStore store, Digest blob) throws IOException {
        List<TarEntry> out = new ArrayList<>();
        try (InputStream in = Compression.decompressDetected(store.open(blob))) {
            TarStreamReader r = new TarStreamReader(in);
            for (TarEntry e = r.next(); e != null; e = r.next()) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void writesATreeAsASortedTarWithLinksXattrsAndNumericOwners() throws IOException {
        Path root = LayerTestTrees.build(tmp.resolve("tree"));
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        LayerBlob blob = new LayerWriter(store).write(root, LayerSource.TREE, LayerWriter.Options.DEFAULT);

        assertThat(blob.descriptor().mediaType()).isEqualTo(MediaTypes.OCI_LAYER_GZIP);
        assertThat(blob.empty()).isFalse();
        assertThat(store.size(blob.descriptor().digestValue())).contains(blob.descriptor().size());
        try (InputStream in = Compression.GZIP.decompress(store.open(blob.descriptor().digestValue()))) {
            assertThat(Digest.sha256(in)).isEqualTo(blob.diffId());
        }

        List<TarEntry> entries = entries(store, blob.descriptor().digestValue());
        List<String> names = entries.stream().map(TarEntry::name).toList();
        String longDir = "a/" + LayerTestTrees.LONG_DIR;
        assertThat(names).containsExactly("a", longDir, longDir + "/b", longDir + "/b/data.txt", "a.txt", "abs", "bin",
                "bin/sh", "bin/tool", "bin/tool-again", "empty", "etc", "etc/hostname");
        Set<String> seen = new HashSet<>();
        for (TarEntry e : entries) {
            if (!e.parentName().isEmpty()) {
                assertThat(seen).as("parent of " + e.name()).contains(e.parentName());
            }
            seen.add(e.name());
        }
        Map<String, TarEntry> byName = entries.stream().collect(Collectors.toMap(TarEntry::name, e -> e));
        FileInfo toolInfo = FileInfo.of(root.resolve("bin/tool"));
        assertThat(byName.get("bin/tool").type()).isEqualTo(TarEntry.Type.FILE);
        assertThat(byName.get("bin/tool").size()).isEqualTo(70_000);
        assertThat(byName.get("bin/tool").mode()).isEqualTo(0755);
        assertThat(byName.get("bin/tool").uid()).isEqualTo(toolInfo.uid());
        assertThat(byName.get("bin/tool").gid()).isEqualTo(toolInfo.gid());
        assertThat(byName.get("bin/tool-again").type()).isEqualTo(TarEntry.Type.HARDLINK);
        assertThat(byName.get("bin/tool-again").linkName()).isEqualTo("bin/tool");
        assertThat(byName.get("bin/sh").type()).isEqualTo(TarEntry.Type.SYMLINK);
        assertThat(byName.get("bin/sh").linkName()).isEqualTo("tool");
        assertThat(byName.get("abs").linkName()).isEqualTo("/etc/hostname");
        assertThat(byName.get("etc/hostname").xattrs().get("user.kiln.test")).containsExactly(0, 1, 0xfe);
        assertThat(byName.get("empty").type()).isEqualTo(TarEntry.Type.DIRECTORY);
    }

    @Test
    void sameTreeGivesTheSameDigestsAndClampMakesCopiesEqual() throws IOException {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        LayerWriter writer = new LayerWriter(store);
        Path one = LayerTestTrees.build(tmp.resolve("one"));
        LayerBlob a = writer.write(one, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        LayerBlob b = writer.write(one, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        assertThat(b).isEqualTo(a);

        Instant epoch = Instant.parse("2020-01-01T00:00:00Z");
        Path two = LayerTestTrees.build(tmp.resolve("two"));
        LayerTestTrees.setMtimeEverywhere(two, FileTime.from(Instant.now().plusSeconds(10)));
        LayerWriter.Options clamped = LayerWriter.Options.DEFAULT.withSourceDateEpoch(epoch);
        LayerBlob c = writer.write(one, LayerSource.TREE, clamped);
        LayerBlob d = writer.write(two, LayerSource.TREE, clamped);
        assertThat(d.diffId()).isEqualTo(c.diffId());
        assertThat(d.descriptor()).isEqualTo(c.descriptor());
        assertThat(entries(store, c.descriptor().digestValue()))
                .allSatisfy(e -> assertThat(e.mtimeSeconds()).isEqualTo(epoch.getEpochSecond()));

        LayerTestTrees.setMtimeEverywhere(two, FileTime.from(Instant.parse("2010-01-01T00:00:00Z")));
        LayerBlob older = writer.write(two, LayerSource.TREE, clamped);
        assertThat(entries(store, older.descriptor().digestValue()))
                .allSatisfy(e -> assertThat(e.mtimeSeconds()).isEqualTo(Instant.parse("2010-01-01T00:00:00Z").getEpochSecond()));
    }

    @Test
    void zstdAndUncompressedLayersHaveTheSameDiffId() throws IOException {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        Path root = LayerTestTrees.build(tmp.resolve("tree"));
        LayerWriter writer = new LayerWriter(store);
        LayerBlob gz = writer.write(root, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        LayerBlob zst = writer.write(root, LayerSource.TREE, LayerWriter.Options.DEFAULT.withCompression(Compression.ZSTD));
        LayerBlob raw = writer.write(root, LayerSource.TREE,
                new LayerWriter.Options(Compression.NONE, false, Optional.empty()));
        assertThat(zst.diffId()).isEqualTo(gz.diffId());
        assertThat(raw.diffId()).isEqualTo(gz.diffId());
        assertThat(raw.descriptor().digestValue()).isEqualTo(raw.diffId());
        assertThat(zst.descriptor().mediaType()).isEqualTo(MediaTypes.OCI_LAYER_ZSTD);
        assertThat(raw.descriptor().mediaType()).isEqualTo(MediaTypes.DOCKER_LAYER);
        byte[] head = store.open(zst.descriptor().digestValue()).readNBytes(4);
        assertThat(Compression.detect(head, 4)).isEqualTo(Compression.ZSTD);
    }

    @Test
    void gzipHeaderHasNoNameAndZeroMtime() throws IOException {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        Path root = LayerTestTrees.build(tmp.resolve("tree"));
        LayerBlob gz = new LayerWriter(store).write(root, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        byte[] head = store.open(gz.descriptor().digestValue()).readNBytes(10);
        assertThat(head[0] & 0xff).isEqualTo(0x1f);
        assertThat(head[1] & 0xff).isEqualTo(0x8b);
        assertThat(head[3]).as("FLG: no FNAME, no FCOMMENT, no FEXTRA").isZero();
        assertThat(new byte[] {head[4], head[5], head[6], head[7]}).containsOnly(0);
    }

    @Test
    void anEmptyDirectoryIsAnEmptyLayer() throws IOException {
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        Path empty = Files.createDirectories(tmp.resolve("nothing"));
        LayerBlob blob = new LayerWriter(store).write(empty, LayerSource.OVERLAY_DIFF, LayerWriter.Options.DEFAULT);
        assertThat(blob.empty()).isTrue();
        // an empty tar is two zero blocks
        assertThat(blob.diffId()).isEqualTo(Digest.sha256(new byte[1024]));
    }

    @Test
    void socketsAreSkipped() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("sock"));
        Files.writeString(root.resolve("f"), "x");
        var address = java.net.UnixDomainSocketAddress.of(root.resolve("s.sock"));
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(address);
            FileContentStore store = new FileContentStore(tmp.resolve("store"));
            LayerBlob blob = new LayerWriter(store).write(root, LayerSource.TREE, LayerWriter.Options.DEFAULT);
            assertThat(entries(store, blob.descriptor().digestValue())).extracting(TarEntry::name).containsExactly("f");
        }
    }
}
