package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/** {@code LABEL k=v ...}: image labels; keys and values are expanded. */
public record LabelInstruction(List<KeyValue> labels, SourceLocation location, String original)
        implements Instruction, Expandable<LabelInstruction> {
    public LabelInstruction {
        labels = List.copyOf(labels);
    }

    @Override
    public LabelInstruction expand(WordExpander e) {
        return Located.run(location, original,
                () -> new LabelInstruction(labels.stream().map(kv -> kv.expand(e)).toList(), location, original));
    }
}
