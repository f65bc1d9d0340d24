package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;
import java.util.Optional;

/**
 * A build stage: its {@code FROM} line and the instructions up to the next FROM.
 *
 * @param index        0-based position among the stages
 * @param name         the {@code AS} name as written, or null; names are matched case-insensitively
 * @param baseName     the image or stage named by FROM, unexpanded (meta args may apply)
 * @param platformFlag the {@code --platform} value, unexpanded, or null
 * @param commands     the stage's instructions in order
 * @param location     the FROM line
 * @param original     the FROM line as written
 */
public record Stage(int index, String name, String baseName, String platformFlag, List<Instruction> commands,
                   SourceLocation location, String original) {
    public Stage {
        commands = List.copyOf(commands);
    }

    /**
     * True when {@code ref} designates this stage: its name, compared without regard to case (so
     * {@code COPY --from=Builder} finds {@code AS builder}), or its index in decimal.
     */
    public boolean matches(String ref) {
        if (ref == null) {
            return false;
        }
        if (name != null && name.equalsIgnoreCase(ref)) {
            return true;
        }
        return ref.equals(Integer.toString(index));
    }

    public Optional<String> nameValue() {
        return Optional.ofNullable(name);
    }

    /** The instructions of type {@code type}, in order. */
    public <T extends Instruction> List<T> commandsOf(Class<T> type) {
        return commands.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
