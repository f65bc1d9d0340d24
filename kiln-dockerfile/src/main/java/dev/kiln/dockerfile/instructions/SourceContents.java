package dev.kiln.dockerfile.instructions;

import java.util.List;

/** Shared expansion of heredoc sources for COPY and ADD. */
final class SourceContents {
    private SourceContents() {
    }

    static List<SourceContent> expand(List<SourceContent> contents, WordExpander raw) {
        return contents.stream()
                .map(c -> c.expand() ? new SourceContent(c.path(), raw.expand(c.data()), true) : c)
                .toList();
    }
}
