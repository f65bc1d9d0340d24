package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code COPY [--from=] [--chown=] [--chmod=] [--link] [--parents] [--exclude=]... src... dest}.
 * Absent string flags are null. {@code sources} are context (or {@code from}) paths,
 * {@code contents} the heredoc sources. Sources, destination, --from, --chown and --chmod are
 * expanded by {@link #expand}; heredoc contents by {@link #expandContents} with a raw expander.
 */
public record CopyInstruction(List<String> sources, List<SourceContent> contents, String dest, String from, String chown,
                              String chmod, boolean link, boolean parents, List<String> excludes, SourceLocation location,
                              String original) implements Instruction, Expandable<CopyInstruction> {
    public CopyInstruction {
        sources = List.copyOf(sources);
        contents = List.copyOf(contents);
        excludes = List.copyOf(excludes);
    }

    @Override
    public CopyInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new CopyInstruction(Located.each(sources, e), contents, e.expand(dest),
                from == null ? null : e.expand(from), chown == null ? null : e.expand(chown),
                chmod == null ? null : e.expand(chmod), link, parents, excludes, location, original));
    }

    /**
     * Expands the contents of heredoc sources whose delimiter was not quoted; pass
     * {@link ShellWordExpander#forHeredocContent} (quotes in the content must survive).
     */
    public CopyInstruction expandContents(WordExpander raw) {
        return Located.run(location, original, () -> new CopyInstruction(sources, SourceContents.expand(contents, raw), dest,
                from, chown, chmod, link, parents, excludes, location, original));
    }
}
