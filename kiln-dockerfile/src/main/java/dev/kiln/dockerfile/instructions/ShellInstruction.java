package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/** {@code SHELL ["executable", "arg", ...]}: the shell for later shell-form commands (JSON form only, never empty). */
public record ShellInstruction(List<String> shell, SourceLocation location, String original) implements Instruction {
    public ShellInstruction {
        shell = List.copyOf(shell);
        if (shell.isEmpty()) {
            throw new IllegalArgumentException("SHELL needs at least one word");
        }
    }
}
