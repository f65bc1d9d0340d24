package dev.kiln.dockerfile.instructions;

/**
 * A problem with one instruction found before its location is attached; {@link InstructionParser}
 * turns it into a {@link dev.kiln.common.SourceException}.
 */
final class InstructionError extends RuntimeException {
    InstructionError(String message) {
        super(message, null, false, false);
    }
}
