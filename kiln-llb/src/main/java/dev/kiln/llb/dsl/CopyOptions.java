package dev.kiln.llb.dsl;

import dev.kiln.llb.FileAction;
import java.util.List;

/**
 * How {@link FileActions#copy} copies: owner and mode of what it creates, and the path
 * matching rules. {@link #DEFAULT} behaves like a Dockerfile {@code COPY}: follows symlinks
 * of the source path, copies a directory's contents, creates missing parents of the
 * destination and expands wildcards. Use the {@code with…} methods to derive variants;
 * instances are immutable values.
 */
public record CopyOptions(FileAction.Chown chown, String chmod, boolean followSymlinks, boolean dirContentsOnly,
                          boolean createDestPath, boolean allowWildcard, boolean allowEmptyWildcard,
                          List<String> includePatterns, List<String> excludePatterns, Long timestamp) {
    public static final CopyOptions DEFAULT = new CopyOptions(null, null, true, true, true, true, false,
            List.of(), List.of(), null);

    public CopyOptions {
        includePatterns = includePatterns == null ? List.of() : List.copyOf(includePatterns);
        excludePatterns = excludePatterns == null ? List.of() : List.copyOf(excludePatterns);
    }

    /** Owner ({@code user} and {@code group}, names or numbers; null group keeps the user's). */
    public CopyOptions withChown(String user, String group) {
        return new CopyOptions(new FileAction.Chown(user, group), chmod, followSymlinks, dirContentsOnly,
                createDestPath, allowWildcard, allowEmptyWildcard, includePatterns, excludePatterns, timestamp);
    }

    /** Mode of copied files, octal ({@code 755}) or symbolic ({@code u+x}). */
    public CopyOptions withChmod(String mode) {
        return new CopyOptions(chown, mode, followSymlinks, dirContentsOnly, createDestPath, allowWildcard,
                allowEmptyWildcard, includePatterns, excludePatterns, timestamp);
    }

    /** Paths matching these patterns are left out of the copy. */
    public CopyOptions withExcludes(List<String> patterns) {
        return new CopyOptions(chown, chmod, followSymlinks, dirContentsOnly, createDestPath, allowWildcard,
                allowEmptyWildcard, includePatterns, patterns, timestamp);
    }

    /** Modification time (seconds since the epoch) of copied files. */
    public CopyOptions withTimestamp(long epochSeconds) {
        return new CopyOptions(chown, chmod, followSymlinks, dirContentsOnly, createDestPath, allowWildcard,
                allowEmptyWildcard, includePatterns, excludePatterns, epochSeconds);
    }
}
