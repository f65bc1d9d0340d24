package dev.kiln.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.llb.DiffOp;
import dev.kiln.oci.fs.FileInfo;
import dev.kiln.snapshot.Mounter;
import dev.kiln.snapshot.OverlayMarkers;
import dev.kiln.snapshot.OverlaySnapshotter;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DiffRunner} over a real overlay snapshotter (needs root: whiteouts are device nodes,
 * opaque markers trusted xattrs, views are mounts): squashing the snapshots between a lower and
 * an upper chain, and the file-level comparison of two unrelated trees.
 */
class DiffRunnerIT {
    @TempDir
    Path tmp;

    private OverlaySnapshotter snapshotter;
    private DiffRunner diffs;

    @BeforeEach
    void open() throws IOException {
        snapshotter = new OverlaySnapshotter(tmp.resolve("snapshots"));
        Trees trees = new Trees(snapshotter, new Mounter(), tmp.resolve("mounts"), new LocalDirs());
        diffs = new DiffRunner(trees, snapshotter, this::chain);
    }

    @AfterEach
    void close() {
        snapshotter.close();
    }

    private List<String> chain(Result r) {
        List<String> out = new ArrayList<>();
        Optional<String> cur = Refs.snapshotName(r);
        while (cur.isPresent()) {
            out.addFirst(cur.get());
            cur = snapshotter.stat(cur.get()).orElseThrow().parent();
        }
        return out;
    }

    /** Commits a snapshot on {@code parent} whose overlay diff {@code fill} writes. */
    private Result commit(String name, String parent, Fill fill) throws IOException {
        String key = "k-" + name;
        snapshotter.prepare(key, Optional.ofNullable(parent));
        fill.into(snapshotter.diffDir(key));
        snapshotter.commit(name, key);
        return Refs.snapshot(name);
    }

    @FunctionalInterface
    interface Fill {
        void into(Path dir) throws IOException;
    }

    /** Each path under {@code root}: "dir", "whiteout", "opaque dir", "link -> T" or the file's text. */
    private static TreeMap<String, String> describe(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                FileInfo fi = FileInfo.of(p);
                if (fi.isDirectory()) {
                    out.put(rel, TreeChanges.isOpaque(p) ? "opaque dir" : "dir");
                } else if (fi.isOverlayWhiteout()) {
                    out.put(rel, "whiteout");
                } else if (fi.isSymlink()) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else {
                    out.put(rel, Files.readString(p) + " " + PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
                }
            }
        }
        return out;
    }

    @Test
    void theSnapshotsBetweenAreSquashedAndALaterOpaqueDirHidesWhatEarlierOnesPutThere() throws IOException {
        Result lower = commit("base", null, d -> {
            Files.writeString(d.resolve("base.txt"), "base");
            Files.createDirectories(d.resolve("etc/app"));
            Files.writeString(d.resolve("etc/app/old.conf"), "old");
        });
        commit("one", "base", d -> {
            Files.writeString(d.resolve("one.txt"), "one");
            Files.createDirectories(d.resolve("etc/app"));
            Files.writeString(d.resolve("etc/app/mid.conf"), "mid");
            OverlayMarkers.makeWhiteout(d.resolve("base.txt"));
        });
        Result upper = commit("two", "one", d -> {
            Files.createDirectories(d.resolve("etc/app"));
            OverlayMarkers.setOpaque(d.resolve("etc/app"));
            Files.writeString(d.resolve("etc/app/new.conf"), "new");
            OverlayMarkers.makeWhiteout(d.resolve("one.txt"));
            Files.writeString(d.resolve("two.txt"), "two");
        });

        Result diff = diffs.run(new DiffOp(0, 1), List.of(lower, upper));
        assertThat(chain(diff)).as("one snapshot without a parent").hasSize(1);
        assertThat(describe(snapshotter.layerDir(chain(diff).getFirst()))).containsExactlyEntriesOf(new TreeMap<>(java.util.Map.of(
                "base.txt", "whiteout",
                "etc", "dir",
                "etc/app", "opaque dir",
                "etc/app/new.conf", "new rw-r--r--",
                "one.txt", "whiteout",
                "two.txt", "two rw-r--r--")));

        assertThat(diffs.run(new DiffOp(0, 1), List.of(upper, upper))).isEqualTo(Result.EMPTY);
        assertThat(diffs.run(new DiffOp(-1, 0), List.of(upper))).isEqualTo(upper);
    }

    @Test
    void unrelatedTreesAreComparedFileByFile() throws IOException {
        Path lowerFiles = Files.createDirectories(tmp.resolve("lower-src"));
        Result lower = commit("lower", null, d -> {
            Files.writeString(d.resolve("same.txt"), "same");
            Files.writeString(d.resolve("changed.txt"), "old");
            Files.writeString(d.resolve("mode.txt"), "mode");
            Files.createDirectories(d.resolve("keep/sub"));
            Files.writeString(d.resolve("keep/sub/gone.txt"), "gone");
            Files.writeString(d.resolve("keep/sub/stays.txt"), "stays");
            Files.createDirectories(d.resolve("gone-dir"));
            Files.writeString(d.resolve("gone-dir/x"), "x");
            Files.createSymbolicLink(d.resolve("link"), Path.of("same.txt"));
            Files.writeString(d.resolve("becomes-dir"), "file");
            copyTree(d, lowerFiles);
        });
        Result upper = commit("upper", null, d -> {
            copyTree(lowerFiles, d);
            Files.writeString(d.resolve("changed.txt"), "new content");
            Files.setPosixFilePermissions(d.resolve("mode.txt"), PosixFilePermissions.fromString("rw-------"));
            Files.delete(d.resolve("keep/sub/gone.txt"));
            Files.delete(d.resolve("gone-dir/x"));
            Files.delete(d.resolve("gone-dir"));
            Files.delete(d.resolve("link"));
            Files.createSymbolicLink(d.resolve("link"), Path.of("changed.txt"));
            Files.delete(d.resolve("becomes-dir"));
            Files.createDirectories(d.resolve("becomes-dir"));
            Files.writeString(d.resolve("becomes-dir/inside"), "in");
            Files.createDirectories(d.resolve("new/deep"));
            Files.writeString(d.resolve("new/deep/n.txt"), "n");
        });

        Result diff = diffs.run(new DiffOp(0, 1), List.of(lower, upper));
        assertThat(describe(snapshotter.layerDir(chain(diff).getFirst()))).containsExactlyEntriesOf(new TreeMap<>(java.util.Map.ofEntries(
                java.util.Map.entry("becomes-dir", "dir"),
                java.util.Map.entry("becomes-dir/inside", "in rw-r--r--"),
                java.util.Map.entry("changed.txt", "new content rw-r--r--"),
                java.util.Map.entry("gone-dir", "whiteout"),
                java.util.Map.entry("keep", "dir"),
                java.util.Map.entry("keep/sub", "dir"),
                java.util.Map.entry("keep/sub/gone.txt", "whiteout"),
                java.util.Map.entry("link", "link -> changed.txt"),
                java.util.Map.entry("mode.txt", "mode rw-------"),
                java.util.Map.entry("new", "dir"),
                java.util.Map.entry("new/deep", "dir"),
                java.util.Map.entry("new/deep/n.txt", "n rw-r--r--"))));
    }

    /** Copies a small tree keeping modification times, so unchanged files compare equal. */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }
}
