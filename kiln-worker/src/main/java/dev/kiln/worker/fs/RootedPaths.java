package dev.kiln.worker.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves paths inside a root file system the way the container would see them: symbolic
 * links are followed, but relative to the root and never out of it ({@code ..} stops at the
 * root, an absolute link target starts again at the root). Writing through the result can
 * therefore never touch the host outside the root.
 */
public final class RootedPaths {
    private static final int MAX_LINKS = 255;

    private RootedPaths() {}

    /**
     * The host path of {@code path} (absolute or relative to the root) inside {@code root},
     * following every symlink including the last component.
     */
    public static Path resolve(Path root, String path) throws IOException {
        return resolve(root, path, true);
    }

    /** As {@link #resolve(Path, String)}, optionally not following a final symlink. */
    public static Path resolve(Path root, String path, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        pushComponents(todo, path);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path candidate = join(root, done).resolve(c);
            boolean last = todo.isEmpty();
            if ((!last || followLast) && Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many levels of symbolic links resolving " + path);
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                pushComponents(todo, target);
                continue;
            }
            done.addLast(c);
        }
        return join(root, done);
    }

    private static void pushComponents(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static Path join(Path root, Deque<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }

    /** Whether {@code p} exists, without following a final symlink. */
    public static boolean existsNoFollow(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }
}
