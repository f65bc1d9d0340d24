package dev.kiln.dockerfile.instructions;

/**
 * An instruction whose arguments take ENV/ARG values: {@link #expand} returns a copy with every
 * expandable argument passed through the expander; arguments that are never expanded (RUN's
 * command, which the shell expands at run time) stay as written. Expansion failures are reported
 * as {@link dev.kiln.common.SourceException}s at the instruction's line.
 *
 * @param <T> the instruction type
 */
public interface Expandable<T extends Instruction> {
    T expand(WordExpander expander);
}
