package dev.kiln.oci.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves paths inside a root directory the way a process chrooted there would: symlinks met
 * on the way are followed, but an absolute target starts again at the root and {@code ..} never
 * climbs above it, so a symlink can never lead a write outside the root. Only the parents of a
 * path are resolved; the last element is returned as is, so the caller acts on the link itself.
 *
 * <p>Stateless; the root should be a real path without symlinks.
 */
final class RootedPath {
    private static final int MAX_LINKS = 255;

    private RootedPath() {}

    /**
     * Checks an archive entry name and splits it into elements: no absolute paths, no {@code ..},
     * {@code .} and empty elements dropped. An empty result means the root itself.
     */
    static List<String> elements(String name) throws IOException {
        if (name.startsWith("/")) {
            throw new IOException("unsafe path in layer (absolute): " + name);
        }
        List<String> out = new ArrayList<>();
        for (String e : name.split("/")) {
            if (e.isEmpty() || e.equals(".")) {
                continue;
            }
            if (e.equals("..")) {
                throw new IOException("unsafe path in layer (contains ..): " + name);
            }
            if (e.indexOf('\0') >= 0) {
                throw new IOException("unsafe path in layer (NUL byte): " + name);
            }
            out.add(e);
        }
        return out;
    }

    /** The real directory, inside {@code root}, that the given elements name (symlinks followed inside the root). */
    static Path resolveDirectory(Path root, List<String> elements) throws IOException {
        Deque<String> todo = new ArrayDeque<>(elements);
        List<String> current = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String e = todo.removeFirst();
            if (e.isEmpty() || e.equals(".")) {
                continue;
            }
            if (e.equals("..")) {
                if (!current.isEmpty()) {
                    current.removeLast();
                }
                continue;
            }
            Path p = join(root, current).resolve(e);
            if (Files.isSymbolicLink(p)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many levels of symbolic links under " + root + " at " + p);
                }
                String target = Files.readSymbolicLink(p).toString();
                if (target.startsWith("/")) {
                    current.clear();
                }
                String[] parts = target.split("/");
                for (int i = parts.length - 1; i >= 0; i--) {
                    todo.addFirst(parts[i]);
                }
                continue;
            }
            current.add(e);
        }
        return join(root, current);
    }

    /** Resolves the parent elements and creates missing directories (mode 0755) inside the root. */
    static Path parentDirectory(Path root, List<String> elements, java.util.function.Consumer<Path> created)
            throws IOException {
        Path dir = root;
        List<String> resolved = new ArrayList<>();
        for (String e : elements.subList(0, elements.size() - 1)) {
            resolved.add(e);
            dir = resolveDirectory(root, resolved);
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                createMissing(root, dir, created);
            } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("not a directory: " + root.relativize(dir) + " (needed as a parent)");
            }
            resolved = new ArrayList<>(elementsOf(root, dir));
        }
        return dir;
    }

    /** Creates the missing directories of a resolved path (whose existing elements are not symlinks). */
    private static void createMissing(Path root, Path dir, java.util.function.Consumer<Path> created) throws IOException {
        Path p = root;
        for (String e : elementsOf(root, dir)) {
            p = p.resolve(e);
            if (Files.isSymbolicLink(p)) {
                throw new IOException("symlink appeared while creating " + root.relativize(dir));
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
                created.accept(p);
            }
        }
    }

    private static List<String> elementsOf(Path root, Path p) {
        List<String> out = new ArrayList<>();
        for (Path e : root.relativize(p)) {
            if (!e.toString().isEmpty()) {
                out.add(e.toString());
            }
        }
        return out;
    }

    private static Path join(Path root, List<String> elements) {
        Path p = root;
        for (String e : elements) {
            p = p.resolve(e);
        }
        return p;
    }
}
