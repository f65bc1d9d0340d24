package dev.kiln.llb;

import java.util.List;

/**
 * File actions applied, in order, on top of the vertex's base input without running a
 * container: COPY, ADD, WORKDIR's mkdir, heredoc files. {@code base} is the input index of
 * the file system the actions change ({@code -1}: start from an empty tree). Actions that read
 * from another input name its index.
 */
public record FileOp(int base, List<FileAction> actions) implements Op {
    public FileOp {
        actions = List.copyOf(actions);
        if (actions.isEmpty()) {
            throw new IllegalArgumentException("file op needs at least one action");
        }
    }
}
