package dev.kiln.llb;

/** What input 1 (upper) changed relative to input 0 (lower), as a tree of its own. */
public record DiffOp(int lower, int upper) implements Op {}
