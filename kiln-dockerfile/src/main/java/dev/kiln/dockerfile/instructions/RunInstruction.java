package dev.kiln.dockerfile.instructions;

import dev.kiln.common.SourceLocation;
import dev.kiln.dockerfile.parser.Heredoc;
import java.util.List;

/**
 * {@code RUN}: a command executed in the stage's filesystem. {@code command} is one string in
 * shell form (run by the stage's SHELL) or the argument vector in exec form. {@code heredocs}
 * are the here-documents of the line ({@code RUN <<EOF}); their content is not expanded here.
 *
 * <p>{@code mountSpecs} are the {@code --mount} values as written; {@code mounts} are them typed.
 * A mount value may use variables ({@code id=$CACHE_ID}): until {@link #expand} is applied, fields
 * whose text holds a variable keep the raw text (strings) or are null (numbers). The command
 * itself is never expanded by the builder: the shell does it at run time.
 */
public record RunInstruction(List<String> command, boolean shellForm, List<Heredoc> heredocs, List<String> mountSpecs,
                             List<RunMount> mounts, NetworkMode network, SecurityMode security, SourceLocation location,
                             String original) implements Instruction, Expandable<RunInstruction> {
    public RunInstruction {
        command = List.copyOf(command);
        heredocs = List.copyOf(heredocs);
        mountSpecs = List.copyOf(mountSpecs);
        mounts = List.copyOf(mounts);
    }

    /** Re-reads the mount specifications with variables expanded, checking them fully. */
    @Override
    public RunInstruction expand(WordExpander e) {
        return Located.run(location, original, () -> new RunInstruction(command, shellForm, heredocs, mountSpecs,
                mountSpecs.stream().map(spec -> MountParser.parse(spec, e, false)).toList(), network, security, location, original));
    }
}
