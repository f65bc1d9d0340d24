package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/**
 * One typed instruction of a build stage (everything but FROM, which starts a {@link Stage}).
 * Records are immutable; values are as written in the Dockerfile until
 * {@link Expandable#expand} is applied by the converter with the environment of that point.
 */
public sealed interface Instruction
        permits RunInstruction, CmdInstruction, EntrypointInstruction, ShellInstruction, LabelInstruction,
                MaintainerInstruction, ExposeInstruction, EnvInstruction, ArgInstruction, AddInstruction,
                CopyInstruction, VolumeInstruction, UserInstruction, WorkdirInstruction, OnbuildInstruction,
                StopSignalInstruction, HealthcheckInstruction {
    /** Where the instruction starts. */
    SourceLocation location();

    /** The logical line as written (continuations joined). */
    String original();

    /** The upper-case keyword, e.g. {@code RUN}. */
    default String keyword() {
        String name = getClass().getSimpleName();
        return name.substring(0, name.length() - "Instruction".length()).toUpperCase(java.util.Locale.ROOT);
    }
}
