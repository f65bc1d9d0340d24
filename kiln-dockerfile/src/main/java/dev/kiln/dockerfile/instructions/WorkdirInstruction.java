package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/** {@code WORKDIR path}: relative paths resolve against the previous WORKDIR (the converter's job); expanded. */
public record WorkdirInstruction(String path, SourceLocation location, String original)
        implements Instruction, Expandable<WorkdirInstruction> {
    @Override
    public WorkdirInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new WorkdirInstruction(e.expand(path), location, original));
    }
}
