package dev.kiln.llb;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Objects;

/**
 * One change of a {@link FileOp}. Paths are absolute inside the tree being changed; owners
 * are given as {@link Chown} (names are resolved in the destination tree's /etc/passwd and
 * /etc/group when the action runs). A null {@code mode} keeps the source's mode; a null
 * {@code timestamp} (seconds since the epoch) keeps or sets the current time.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
@JsonSubTypes({
    @JsonSubTypes.Type(value = FileAction.Copy.class, name = "copy"),
    @JsonSubTypes.Type(value = FileAction.Mkdir.class, name = "mkdir"),
    @JsonSubTypes.Type(value = FileAction.Mkfile.class, name = "mkfile"),
    @JsonSubTypes.Type(value = FileAction.Rm.class, name = "rm"),
    @JsonSubTypes.Type(value = FileAction.Symlink.class, name = "symlink")
})
public sealed interface FileAction {

    /** Owner for created files: user and group, each a name or a number; null fields keep root. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Chown(String user, String group) {}

    /**
     * Copies {@code src} of input {@code sourceInput} to {@code dest}. Semantics follow
     * Docker's COPY: a directory source copies its contents; a trailing {@code /} on dest
     * means "into this directory"; wildcards in src when {@code allowWildcard}.
     * {@code chmod} is octal ({@code 755}) or symbolic ({@code u+x}), null to keep.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Copy(int sourceInput, String src, String dest, Chown chown, String chmod, boolean followSymlinks,
                boolean dirContentsOnly, boolean createDestPath, boolean allowWildcard, boolean allowEmptyWildcard,
                List<String> includePatterns, List<String> excludePatterns, boolean parents, Long timestamp,
                boolean unpackArchive) implements FileAction {
        public Copy {
            Objects.requireNonNull(src, "src");
            Objects.requireNonNull(dest, "dest");
            includePatterns = includePatterns == null ? List.of() : List.copyOf(includePatterns);
            excludePatterns = excludePatterns == null ? List.of() : List.copyOf(excludePatterns);
        }
    }

    /** Creates a directory ({@code mode} octal, e.g. 0755). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Mkdir(String path, int mode, boolean makeParents, Chown chown, Long timestamp) implements FileAction {}

    /** Creates or replaces a regular file with {@code data}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Mkfile(String path, int mode, byte[] data, Chown chown, Long timestamp) implements FileAction {
        @Override
        public boolean equals(Object o) {
            return o instanceof Mkfile m && path.equals(m.path) && mode == m.mode
                    && java.util.Arrays.equals(data, m.data) && Objects.equals(chown, m.chown)
                    && Objects.equals(timestamp, m.timestamp);
        }

        @Override
        public int hashCode() {
            return Objects.hash(path, mode, java.util.Arrays.hashCode(data), chown, timestamp);
        }

        @Override
        public String toString() {
            return "Mkfile[" + path + ", " + Integer.toOctalString(mode) + ", " + data.length + " bytes]";
        }
    }

    /** Removes a path. */
    record Rm(String path, boolean allowNotFound, boolean allowWildcard) implements FileAction {}

    /** Creates a symbolic link at {@code path} pointing to {@code target}. */
    record Symlink(String path, String target) implements FileAction {}
}
