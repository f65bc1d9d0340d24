package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;

/** {@code USER name[:group]} or uid[:gid]; expanded. */
public record UserInstruction(String user, SourceLocation location, String original)
        implements Instruction, Expandable<UserInstruction> {
    @Override
    public UserInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new UserInstruction(e.expand(user), location, original));
    }
}
