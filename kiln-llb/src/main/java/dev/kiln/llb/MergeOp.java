package dev.kiln.llb;

/** Stacks its inputs, later ones over earlier ones, as layers would be (COPY --link). */
public record MergeOp(int inputCount) implements Op {}
