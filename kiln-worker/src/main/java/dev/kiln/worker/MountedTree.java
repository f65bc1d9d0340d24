package dev.kiln.worker;

import java.nio.file.Path;

/**
 * A file tree made visible at {@link #root()} for as long as it is open: a snapshot mounted
 * read-only, a client directory, or an empty directory. Closing unmounts and removes what
 * opening created. The optional filter says which paths a reader may see (the context's
 * .dockerignore rules); paths are relative to the root, with {@code /} separators.
 */
public interface MountedTree extends AutoCloseable {
    Path root();

    /** Whether a path (relative, no leading slash) is hidden from readers. */
    default boolean excluded(String relativePath) {
        return false;
    }

    /** Whether a whole directory can be skipped: it and everything under it is excluded. */
    default boolean skipDirectory(String relativePath) {
        return false;
    }

    @Override
    void close();
}
