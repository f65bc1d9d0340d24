package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code EXPOSE port[/proto] ...}. Ports are kept sorted as BuildKit does; expansion may split
 * one word into several ports ({@code EXPOSE $PORTS}).
 */
public record ExposeInstruction(List<String> ports, SourceLocation location, String original)
        implements Instruction, Expandable<ExposeInstruction> {
    public ExposeInstruction {
        ports = ports.stream().sorted().toList();
    }

    @Override
    public ExposeInstruction expand(WordExpander e) {
        return Located.run(location, original,
                () -> new ExposeInstruction(ports.stream().flatMap(p -> e.expandWords(p).stream()).toList(), location, original));
    }
}
