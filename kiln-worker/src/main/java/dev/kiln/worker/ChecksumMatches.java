package dev.kiln.worker;

import dev.kiln.common.files.RelativePaths;
import dev.kiln.solver.ContentSelector;
import dev.kiln.worker.fs.Glob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Expands a selector's source paths against a tree: plain paths as they are, patterns
 * ({@code *.txt}, {@code src/*}) into the sorted entries they match, skipping entries the
 * tree hides (.dockerignore). Shared by checksumming and by COPY, so both see the same files.
 */
final class ChecksumMatches {
    /** One selected entry: the pattern it came from and its path relative to the root (null: no match). */
    record Match(String pattern, String relative, Path path) {}

    private final MountedTree tree;
    private final ContentSelector selector;

    ChecksumMatches(MountedTree tree, ContentSelector selector) {
        this.tree = tree;
        this.selector = selector;
    }

    List<Match> expand() throws IOException {
        List<Match> out = new ArrayList<>();
        for (String raw : selector.paths()) {
            String clean = RelativePaths.clean(raw);
            if (selector.wildcard() && Glob.hasMeta(clean)) {
                List<String> found = new ArrayList<>();
                expandGlob(clean.isEmpty() ? List.of() : List.of(clean.split("/")), 0, "", found);
                if (found.isEmpty()) {
                    out.add(new Match(raw, clean, null));
                }
                for (String f : found) {
                    out.add(new Match(raw, f, tree.root().resolve(f)));
                }
            } else {
                Path p = clean.isEmpty() ? tree.root() : tree.root().resolve(clean);
                boolean visible = clean.isEmpty() || !tree.excluded(clean);
                out.add(new Match(raw, clean, visible && Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : null));
            }
        }
        return out;
    }

    private void expandGlob(List<String> parts, int i, String prefix, List<String> found) throws IOException {
        if (i == parts.size()) {
            found.add(prefix);
            return;
        }
        Path dir = prefix.isEmpty() ? tree.root() : tree.root().resolve(prefix);
        String part = parts.get(i);
        if (!Glob.hasMeta(part)) {
            String next = prefix.isEmpty() ? part : prefix + "/" + part;
            if (Files.exists(tree.root().resolve(next), LinkOption.NOFOLLOW_LINKS) && !tree.excluded(next)) {
                expandGlob(parts, i + 1, next, found);
            }
            return;
        }
        if (!Files.isDirectory(dir)) {
            return;
        }
        Pattern p = Glob.compile(part);
        List<String> names;
        try (var s = Files.list(dir)) {
            names = s.map(x -> x.getFileName().toString()).sorted().toList();
        }
        for (String n : names) {
            String next = prefix.isEmpty() ? n : prefix + "/" + n;
            if (p.matcher(n).matches() && !tree.excluded(next)) {
                expandGlob(parts, i + 1, next, found);
            }
        }
    }

    private static final java.util.Map<List<String>, dev.kiln.session.IgnorePatterns> EXCLUDES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether a COPY/ADD {@code --exclude} pattern of the selector hides {@code rel}: as in
     * BuildKit, patterns use .dockerignore syntax ({@code **}, {@code !}) and apply to paths
     * relative to the copied source {@code matchRoot} (a file source is matched by its name).
     */
    static boolean excludedBySelector(ContentSelector selector, String matchRoot, String rel) {
        if (selector.exclude().isEmpty()) {
            return false;
        }
        String relToSource;
        if (rel.equals(matchRoot)) {
            relToSource = rel.substring(rel.lastIndexOf('/') + 1);
        } else if (matchRoot.isEmpty()) {
            relToSource = rel;
        } else if (rel.startsWith(matchRoot + "/")) {
            relToSource = rel.substring(matchRoot.length() + 1);
        } else {
            relToSource = rel;
        }
        if (EXCLUDES.size() > 1000) {
            EXCLUDES.clear();
        }
        return EXCLUDES.computeIfAbsent(selector.exclude(), dev.kiln.session.IgnorePatterns::of).excluded(relToSource);
    }
}
