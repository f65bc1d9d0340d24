package dev.kiln.dockerfile.instructions;

import java.util.List;

/**
 * Expands variables in one word of an instruction with the ENV and ARG values in scope at that
 * instruction. The converter supplies it (usually a {@link ShellWordExpander}); instructions call
 * it from {@link Expandable#expand}. {@link #expandWords} is for the few places where one word may
 * become several (EXPOSE); by default it returns the single expanded word.
 */
@FunctionalInterface
public interface WordExpander {
    /**
     * The expanded word.
     *
     * @throws dev.kiln.dockerfile.shell.ShellExpansionException when the word cannot be expanded
     */
    String expand(String word);

    /** The expanded word split into words; a single word unless overridden. */
    default List<String> expandWords(String word) {
        return List.of(expand(word));
    }

    /** Leaves words unchanged. */
    static WordExpander identity() {
        return word -> word;
    }
}
