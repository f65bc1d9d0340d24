package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.common.files.FileTrees;
import dev.kiln.llb.DiffOp;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.snapshot.OverlayMarkers;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Runs {@link DiffOp}s, as BuildKit's diff: the result is a tree holding what {@code upper}
 * changed relative to {@code lower}, kept as one snapshot without a parent whose files are
 * exactly that change in overlay form (deletions as 0/0 whiteouts, replaced directories with
 * the opaque xattr), so its {@link Snapshotter#layerDir} is the change: the diff is one layer
 * when exported, and a {@link MergeRunner} replaying it onto another tree adds, replaces and
 * deletes what {@code upper} did.
 *
 * <ul>
 *   <li>{@code lower} empty: the result is {@code upper} itself (all of it is new).</li>
 *   <li>{@code lower}'s snapshot chain is the start of {@code upper}'s (upper was built on lower):
 *       the layers ({@link Snapshotter#layerDir}) of the snapshots between them are squashed, in
 *       order, into the new snapshot; nothing is compared. Equal chains give the empty tree.</li>
 *   <li>otherwise both trees are mounted read-only and compared file by file ({@link TreeChanges}).</li>
 * </ul>
 *
 * <p>Mounted alone (a view, a local output) the result shows what {@code upper} added and
 * changed; a deletion is then a 0/0 character device, because a snapshot without a parent is
 * bind-mounted rather than overlaid (and, with the copying snapshotter, also in a run on top of
 * the diff without a merge). Client directories cannot be diffed. The cache key is the
 * solver's default for an op without content selectors: the op and its inputs' keys.
 */
final class DiffRunner {
    private final Trees trees;
    private final Snapshotter snapshotter;
    private final Function<Result, List<String>> chains;

    DiffRunner(Trees trees, Snapshotter snapshotter, Function<Result, List<String>> chains) {
        this.trees = trees;
        this.snapshotter = snapshotter;
        this.chains = chains;
    }

    Result run(DiffOp op, List<Result> inputs) throws IOException {
        Result lower = op.lower() < 0 ? Result.EMPTY : inputs.get(op.lower());
        Result upper = op.upper() < 0 ? Result.EMPTY : inputs.get(op.upper());
        if (Refs.isLocal(lower) || Refs.isLocal(upper)) {
            throw new KilnException("a client directory cannot be diffed; copy from it with a file op first");
        }
        List<String> lowerChain = chains.apply(lower);
        List<String> upperChain = chains.apply(upper);
        if (lowerChain.isEmpty()) {
            return upper;
        }
        if (upperChain.size() >= lowerChain.size() && upperChain.subList(0, lowerChain.size()).equals(lowerChain)) {
            List<String> between = upperChain.subList(lowerChain.size(), upperChain.size());
            if (between.isEmpty()) {
                return Result.EMPTY;
            }
            return commitNew(out -> squash(between, out));
        }
        try (MountedTree l = trees.view(lower); MountedTree u = trees.view(upper)) {
            return commitNew(out -> TreeChanges.write(l.root(), u.root(), out));
        }
    }

    /** Fills a new parentless snapshot's diff dir with {@code fill} and commits it. */
    private Result commitNew(Filler fill) throws IOException {
        String key = "diff-" + UUID.randomUUID();
        snapshotter.prepare(key, Optional.empty());
        try {
            fill.fill(snapshotter.diffDir(key));
            String name = "s-" + UUID.randomUUID();
            snapshotter.commit(name, key);
            return Refs.snapshot(name);
        } catch (IOException | RuntimeException e) {
            try {
                snapshotter.remove(key);
            } catch (RuntimeException ignored) {
                // an active snapshot left behind is removed by the next start's sweep
            }
            throw e;
        }
    }

    /**
     * Stacks the changes of {@code snapshots} (bottom first) into one overlay diff: each is
     * replayed as an overlay diff, and a directory a later snapshot made opaque loses what the
     * earlier ones put in it first.
     */
    private void squash(List<String> snapshots, Path out) throws IOException {
        LayerApplier applier = new LayerApplier(LayerApplier.Mode.OVERLAY_DIFF, OverlayMarkers.opaqueXattr());
        for (int i = 0; i < snapshots.size(); i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("cancelled");
            }
            Path changes = snapshotter.layerDir(snapshots.get(i));
            if (i > 0) {
                clearUnderOpaque(changes, out);
            }
            applier.applyDirectory(changes, LayerSource.OVERLAY_DIFF, out);
        }
    }

    /** Empties each directory of {@code out} that {@code changes} marks opaque at the same path. */
    private static void clearUnderOpaque(Path changes, Path out) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(changes)) {
            for (Path c : entries) {
                if (!Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Path o = out.resolve(c.getFileName().toString());
                if (!Files.isDirectory(o, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (TreeChanges.isOpaque(c)) {
                    try (DirectoryStream<Path> old = Files.newDirectoryStream(o)) {
                        for (Path p : old) {
                            FileTrees.deleteRecursively(p);
                        }
                    }
                } else {
                    clearUnderOpaque(c, o);
                }
            }
        }
    }

    @FunctionalInterface
    private interface Filler {
        void fill(Path diffDir) throws IOException;
    }
}
