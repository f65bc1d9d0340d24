package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import java.util.List;

/**
 * {@code ADD [--chown=] [--chmod=] [--link] [--checksum=] [--keep-git-dir] [--unpack] [--exclude=]... src... dest}.
 * Absent string flags are null; {@code keepGitDir} and {@code unpack} are null when not written
 * (the builder's default applies). Sources, destination, --chown, --chmod and --checksum are
 * expanded by {@link #expand}; heredoc contents by {@link #expandContents}.
 */
public record AddInstruction(List<String> sources, List<SourceContent> contents, String dest, String chown, String chmod,
                             boolean link, String checksum, Boolean keepGitDir, Boolean unpack, List<String> excludes,
                             SourceLocation location, String original) implements Instruction, Expandable<AddInstruction> {
    public AddInstruction {
        sources = List.copyOf(sources);
        contents = List.copyOf(contents);
        excludes = List.copyOf(excludes);
    }

    @Override
    public AddInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new AddInstruction(Located.each(sources, e), contents, e.expand(dest),
                chown == null ? null : e.expand(chown), chmod == null ? null : e.expand(chmod), link,
                checksum == null ? null : e.expand(checksum), keepGitDir, unpack, excludes, location, original));
    }

    /**
     * Expands the contents of heredoc sources whose delimiter was not quoted; pass
     * {@link ShellWordExpander#forHeredocContent} (quotes in the content must survive).
     */
    public AddInstruction expandContents(WordExpander raw) {
        return Located.run(location, original, () -> new AddInstruction(sources, SourceContents.expand(contents, raw), dest,
                chown, chmod, link, checksum, keepGitDir, unpack, excludes, location, original));
    }
}
