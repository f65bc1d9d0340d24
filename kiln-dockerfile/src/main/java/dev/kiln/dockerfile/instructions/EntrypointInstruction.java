package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code ENTRYPOINT}: like {@link CmdInstruction}; an empty {@code command} ({@code ENTRYPOINT []}
 * or a bare keyword) clears the entrypoint.
 */
public record EntrypointInstruction(List<String> command, boolean shellForm, SourceLocation location, String original)
        implements Instruction {
    public EntrypointInstruction {
        command = List.copyOf(command);
    }
}
