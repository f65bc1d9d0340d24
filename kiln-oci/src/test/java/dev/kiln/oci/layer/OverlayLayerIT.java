package dev.kiln.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.oci.FileContentStore;
import dev.kiln.oci.fs.DeviceNodes;
import dev.kiln.oci.fs.FileInfo;
import dev.kiln.oci.fs.Xattrs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers from and to real overlayfs: mounts an overlay with {@code mount -t overlay}, deletes a
 * file and replaces a directory through it, turns the upper dir into a layer, and applies that
 * layer both as a new overlay lower dir and onto a merged tree. Needs root.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OverlayLayerIT {
    static final byte[] CAP_NET_RAW = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    @TempDir
    Path tmp;

    @BeforeEach
    void needsRoot() throws IOException {
        assumeTrue(FileInfo.of(Path.of("/proc/self")).uid() == 0, "needs root");
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static Map<String, String> view(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var all = Files.walk(root)) {
            for (Path p : all.filter(p -> !p.equals(root)).toList()) {
                out.put(root.relativize(p).toString(), Files.isRegularFile(p) ? Files.readString(p) : "<dir>");
            }
        }
        return out;
    }

    @Test
    void upperDirWhiteoutsAndOpaqueDirsBecomeLayerEntriesAndApplyBack() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Files.writeString(lower.resolve("a"), "a");
        Files.writeString(lower.resolve("keep"), "keep");
        Files.createDirectories(lower.resolve("d/sub"));
        Files.writeString(lower.resolve("d/x"), "x");
        Files.writeString(lower.resolve("d/sub/y"), "y");
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path merged = Files.createDirectories(tmp.resolve("merged"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
                + ",redirect_dir=off,metacopy=off,index=off", merged.toString());
        try {
            Files.delete(merged.resolve("a"));
            LayerApplier.deleteTree(merged.resolve("d"));
            Files.createDirectory(merged.resolve("d"));
            Files.writeString(merged.resolve("d/z"), "z");
            Path added = Files.writeString(merged.resolve("new"), "new");
            Files.setAttribute(added, "unix:uid", 1234);
            Files.setAttribute(added, "unix:gid", 5678);
            Xattrs.set(added, "security.capability", CAP_NET_RAW);
        } finally {
            run("umount", merged.toString());
        }
        assertThat(FileInfo.of(upper.resolve("a")).isOverlayWhiteout()).isTrue();

        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        LayerBlob blob = new LayerWriter(store).write(upper, LayerSource.OVERLAY_DIFF, LayerWriter.Options.DEFAULT);
        List<TarEntry> entries = LayerWriterTest.entries(store, blob.descriptor().digestValue());
        assertThat(entries).extracting(TarEntry::name).containsExactly(".wh.a", "d", "d/.wh..wh..opq", "d/z", "new");
        Map<String, TarEntry> byName = entries.stream().collect(Collectors.toMap(TarEntry::name, e -> e));
        assertThat(byName.get(".wh.a").type()).isEqualTo(TarEntry.Type.FILE);
        assertThat(byName.get("new").uid()).isEqualTo(1234);
        assertThat(byName.get("new").gid()).isEqualTo(5678);
        assertThat(byName.get("new").xattrs().get("security.capability")).isEqualTo(CAP_NET_RAW);
        assertThat(byName.get("d").xattrs().keySet()).noneMatch(k -> k.startsWith("trusted."));

        // as a new overlay lower dir
        Path applied = Files.createDirectories(tmp.resolve("applied"));
        new LayerApplier(LayerApplier.Mode.OVERLAY_DIFF).apply(store, blob.descriptor(), applied, Optional.of(blob.diffId()));
        FileInfo wh = FileInfo.of(applied.resolve("a"));
        assertThat(wh.isOverlayWhiteout()).isTrue();
        assertThat(Xattrs.get(applied.resolve("d"), "trusted.overlay.opaque")).hasValueSatisfying(
                v -> assertThat(v).containsExactly('y'));
        assertThat(FileInfo.of(applied.resolve("new")).uid()).isEqualTo(1234);
        assertThat(Xattrs.get(applied.resolve("new"), "security.capability")).hasValueSatisfying(
                v -> assertThat(v).isEqualTo(CAP_NET_RAW));
        Path merged2 = Files.createDirectories(tmp.resolve("merged2"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + applied + ":" + lower, merged2.toString());
        Map<String, String> overlayView;
        try {
            overlayView = view(merged2);
        } finally {
            run("umount", merged2.toString());
        }
        assertThat(overlayView).isEqualTo(Map.of("d", "<dir>", "d/z", "z", "keep", "keep", "new", "new"));

        // onto a merged tree
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        LayerBlob base = new LayerWriter(store).write(lower, LayerSource.TREE, LayerWriter.Options.DEFAULT);
        LayerApplier mergedApplier = new LayerApplier(LayerApplier.Mode.MERGED);
        mergedApplier.apply(store, base.descriptor(), tree, Optional.of(base.diffId()));
        mergedApplier.apply(store, blob.descriptor(), tree, Optional.of(blob.diffId()));
        assertThat(view(tree)).isEqualTo(overlayView);
        assertThat(FileInfo.of(tree.resolve("new")).gid()).isEqualTo(5678);
    }

    @Test
    void deviceNodesFifosAndOwnersSurviveATreeLayer() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/dev"));
        DeviceNodes.createCharDevice(src.resolve("null"), 0666, 1, 3);
        DeviceNodes.createBlockDevice(src.resolve("loopX"), 0660, 7, 200);
        DeviceNodes.createFifo(src.resolve("pipe"), 0600);
        Path owned = Files.writeString(tmp.resolve("src/owned"), "o");
        Files.setAttribute(owned, "unix:uid", 3_000_000);
        Files.setAttribute(owned, "unix:gid", 42);
        Path link = Files.createSymbolicLink(tmp.resolve("src/link"), Path.of("owned"));
        Files.setAttribute(link, "unix:uid", 77, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileContentStore store = new FileContentStore(tmp.resolve("store"));
        LayerBlob blob = new LayerWriter(store).write(tmp.resolve("src"), LayerSource.TREE, LayerWriter.Options.DEFAULT);
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        new LayerApplier(LayerApplier.Mode.MERGED).apply(store, blob.descriptor(), dst, Optional.of(blob.diffId()));
        assertThat(TreeSnapshot.of(dst)).isEqualTo(TreeSnapshot.of(tmp.resolve("src")));
        FileInfo nul = FileInfo.of(dst.resolve("dev/null"));
        assertThat(nul.type()).isEqualTo(FileInfo.S_IFCHR);
        assertThat(nul.devMajor()).isEqualTo(1);
        assertThat(nul.devMinor()).isEqualTo(3);
        assertThat(FileInfo.of(dst.resolve("dev/loopX")).devMinor()).isEqualTo(200);
        assertThat(FileInfo.of(dst.resolve("owned")).uid()).isEqualTo(3_000_000);
        assertThat(FileInfo.of(dst.resolve("link")).uid()).isEqualTo(77);
    }
}
