package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.oci.layer.LayerApplier;
import dev.kiln.oci.layer.LayerSource;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * Runs {@link dev.kiln.llb.MergeOp}s: the first input's tree with the later inputs stacked on
 * top, each as the layers it is made of. A writable snapshot is prepared on the first input,
 * and every snapshot of each later input's chain, bottom up, has its own changes (its
 * {@link Snapshotter#layerDir}, whiteouts and opaque directories included) replayed onto it; the result is committed
 * as one snapshot. Client directories cannot be merged (copy from them with a file op).
 */
final class MergeRunner {
    private final Trees trees;
    private final Snapshotter snapshotter;
    private final Function<Result, List<String>> chains;

    MergeRunner(Trees trees, Snapshotter snapshotter, Function<Result, List<String>> chains) {
        this.trees = trees;
        this.snapshotter = snapshotter;
        this.chains = chains;
    }

    Result run(List<Result> inputs) throws IOException {
        for (Result in : inputs) {
            if (Refs.isLocal(in)) {
                throw new KilnException("a client directory cannot be merged; copy from it with a file op instead");
            }
        }
        if (inputs.isEmpty()) {
            return Result.EMPTY;
        }
        try (Trees.ActiveTree dest = trees.prepare(inputs.getFirst())) {
            LayerApplier applier = new LayerApplier(LayerApplier.Mode.MERGED);
            for (Result in : inputs.subList(1, inputs.size())) {
                for (String snapshot : chains.apply(in)) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.io.InterruptedIOException("cancelled");
                    }
                    applier.applyDirectory(snapshotter.layerDir(snapshot), LayerSource.OVERLAY_DIFF, dest.root());
                }
            }
            return dest.commit();
        }
    }
}
