package dev.kiln.llb.dsl;

import dev.kiln.llb.Op;
import dev.kiln.llb.VertexMeta;
import java.util.List;
import java.util.function.Function;

/**
 * One op of a {@link State} chain before it is marshalled: how to build the op once image
 * references are pinned and process defaults resolved ({@code build}), the outputs of earlier
 * ops it reads (in the op's input-index order), the image reference of an image source (null
 * otherwise) and the input whose file system the output continues ({@code rootInput}, -1 for
 * none), which {@link State#baseImage} follows. Package-private; immutable.
 */
record PendingOp(Function<MarshalContext, Built> build, List<Output> inputs, String imageRef, int rootInput) {
    PendingOp {
        inputs = List.copyOf(inputs);
    }

    /** An op that needs nothing resolved. */
    static PendingOp fixed(Op op, List<Output> inputs, VertexMeta meta, int rootInput) {
        Built b = new Built(op, meta);
        return new PendingOp(ctx -> b, inputs, null, rootInput);
    }

    /** The op and its progress metadata, as marshalled. */
    record Built(Op op, VertexMeta meta) {}

    /** Output {@code index} of {@code op}. */
    record Output(PendingOp op, int index) {}
}
