package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code ARG name[=default] ...}. Declares build args for the rest of the stage (or, before the
 * first FROM, for FROM lines: the meta args). {@link #expand} expands the defaults with one
 * environment; BuildKit lets each default see the args declared before it in the same
 * instruction, and skips the default when a build-arg value is given: the converter gets both
 * by expanding {@link #args()} one at a time with {@link Arg#expand}.
 */
public record ArgInstruction(List<Arg> args, SourceLocation location, String original)
        implements Instruction, Expandable<ArgInstruction> {
    /** One declared arg; {@code defaultValue} is null when none was given ({@code ARG name}). */
    public record Arg(String name, String defaultValue) {
        public boolean hasDefault() {
            return defaultValue != null;
        }

        /** Expands the default value (names are never expanded, as in BuildKit). */
        public Arg expand(WordExpander e) {
            return defaultValue == null ? this : new Arg(name, e.expand(defaultValue));
        }
    }

    public ArgInstruction {
        args = List.copyOf(args);
    }

    @Override
    public ArgInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new ArgInstruction(args.stream().map(a -> a.expand(e)).toList(), location, original));
    }
}
