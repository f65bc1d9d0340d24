package dev.kiln.llb;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One operation of the build graph. An op says what to do with its inputs; the inputs
 * themselves are the {@link Vertex}'s edges, referred to by index from inside the op.
 * Ops are immutable values: equal ops serialise to equal bytes and so get equal digests.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = SourceOp.class, name = "source"),
    @JsonSubTypes.Type(value = ExecOp.class, name = "exec"),
    @JsonSubTypes.Type(value = FileOp.class, name = "file"),
    @JsonSubTypes.Type(value = MergeOp.class, name = "merge"),
    @JsonSubTypes.Type(value = DiffOp.class, name = "diff")
})
public sealed interface Op permits SourceOp, ExecOp, FileOp, MergeOp, DiffOp {}
