package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/** {@code STOPSIGNAL signal} ({@code SIGTERM}, {@code 9}); expanded, validated by the converter. */
public record StopSignalInstruction(String signal, SourceLocation location, String original)
        implements Instruction, Expandable<StopSignalInstruction> {
    @Override
    public StopSignalInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new StopSignalInstruction(e.expand(signal), location, original));
    }
}
