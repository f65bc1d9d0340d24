package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code CMD}: the image's default command. In shell form ({@code shellForm} true) {@code command}
 * holds one string that the converter prefixes with the stage's SHELL; in exec (JSON) form it is
 * the argument vector. An empty list means {@code CMD []} or a bare {@code CMD}.
 */
public record CmdInstruction(List<String> command, boolean shellForm, SourceLocation location, String original)
        implements Instruction {
    public CmdInstruction {
        command = List.copyOf(command);
    }
}
