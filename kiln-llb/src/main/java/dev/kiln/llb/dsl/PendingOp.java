package dev.kiln.llb.dsl;

import dev.kiln.llb.Op;
import dev.kiln.llb.VertexMeta;
import java.util.List;

/**
 * One op of a {@link State} chain before it is marshalled: the op, the outputs of earlier ops
 * it reads (in the op's input-index order) and its progress metadata. Image source ops keep
 * their reference in {@code imageRef} so that {@link State#marshal(java.util.function.UnaryOperator)}
 * can pin it. Package-private; immutable.
 */
record PendingOp(Op op, List<Output> inputs, VertexMeta meta, String imageRef) {
    PendingOp {
        inputs = List.copyOf(inputs);
    }

    /** Output {@code index} of {@code op}. */
    record Output(PendingOp op, int index) {}
}
