package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/** {@code MAINTAINER name} (deprecated; a LABEL maintainer=... is preferred). Not expanded. */
public record MaintainerInstruction(String maintainer, SourceLocation location, String original) implements Instruction {
}
