package dev.kiln.dockerfile.shell;

import java.util.List;
import java.util.Set;

/**
 * What {@link ShellLex#process} made of one word.
 *
 * @param result    the word with quotes removed and variables substituted, spaces kept
 * @param words     the same text split into words like a shell does after expansion
 *                  (unquoted whitespace, including whitespace coming from a variable, separates)
 * @param matched   names referenced and found in the environment (in order of first use); a
 *                  build arg is part of a cache key only when it appears here
 * @param unmatched names referenced but unset (for the UndefinedVar check)
 */
public record ExpansionResult(String result, List<String> words, Set<String> matched, Set<String> unmatched) {
    public ExpansionResult {
        words = List.copyOf(words);
        matched = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(matched));
        unmatched = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(unmatched));
    }
}
