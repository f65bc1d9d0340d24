package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code ENV}: {@code ENV k v} (one pair, {@code noDelim}) or {@code ENV k=v k2=v2}. Keys and values
 * are expanded with the environment <em>before</em> this instruction (all pairs of one ENV see the
 * same environment, as in BuildKit).
 */
public record EnvInstruction(List<KeyValue> env, SourceLocation location, String original)
        implements Instruction, Expandable<EnvInstruction> {
    public EnvInstruction {
        env = List.copyOf(env);
    }

    @Override
    public EnvInstruction expand(WordExpander e) {
        return Located.run(location, original,
                () -> new EnvInstruction(env.stream().map(kv -> kv.expand(e)).toList(), location, original));
    }
}
