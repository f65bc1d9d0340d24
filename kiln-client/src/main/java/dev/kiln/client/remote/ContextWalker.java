package dev.kiln.client.remote;

import dev.kiln.daemon.context.FileEntry;
import dev.kiln.session.IgnorePatterns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists a build context the way the daemon wants it: every entry the .dockerignore rules keep,
 * parents before children, names sorted, read with lstat (symlinks are not followed). A
 * directory the rules exclude is still listed (empty) when an exception rule might re-include
 * something under it; the engine applies the same rules again, so such a directory never
 * reaches an image. {@code alwaysInclude} names root files sent regardless of the rules (the
 * .dockerignore itself, which the daemon needs to read the same rules).
 */
public final class ContextWalker {
    private final Path root;
    private final IgnorePatterns ignore;
    private final String alwaysInclude;

    public ContextWalker(Path root, IgnorePatterns ignore, String alwaysInclude) {
        this.root = root;
        this.ignore = ignore;
        this.alwaysInclude = alwaysInclude;
    }

    public List<FileEntry> walk() throws IOException {
        List<FileEntry> out = new ArrayList<>();
        walk("", out);
        return out;
    }

    private void walk(String dir, List<FileEntry> out) throws IOException {
        Path d = dir.isEmpty() ? root : root.resolve(dir);
        List<String> names;
        try (var s = Files.list(d)) {
            names = new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
        }
        names.sort(null);
        for (String name : names) {
            String rel = dir.isEmpty() ? name : dir + "/" + name;
            boolean isDir = Files.isDirectory(root.resolve(rel), LinkOption.NOFOLLOW_LINKS);
            boolean forced = dir.isEmpty() && name.equals(alwaysInclude);
            if (!forced && ignore.excluded(rel) && (!isDir || ignore.canSkipDirectory(rel))) {
                continue;
            }
            FileEntry e = FileEntry.stat(root, rel);
            if (!e.isDirectory() && !e.isRegularFile() && !e.isSymlink()) {
                continue;
            }
            out.add(e);
            if (e.isDirectory()) {
                walk(rel, out);
            }
        }
    }
}
