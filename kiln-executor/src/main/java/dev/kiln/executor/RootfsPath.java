package dev.kiln.executor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path inside a container's root filesystem from the host, following symlinks the way the
 * container would see them: an absolute link target restarts at the rootfs, {@code ..} never climbs
 * above it (like Go's {@code securejoin} that runc and BuildKit use). The result is a host path under
 * the rootfs; its last components may not exist.
 */
final class RootfsPath {

    private static final int MAX_LINKS = 255;

    private RootfsPath() {}

    /** The host path of container path {@code path} in {@code rootfs}, symlinks resolved in scope. */
    static Path resolve(Path rootfs, String path) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        Deque<String> done = new ArrayDeque<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pop();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                done.pollLast();
                continue;
            }
            Path candidate = join(rootfs, done).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many symlinks resolving " + path + " in " + rootfs);
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                push(todo, target);
                continue;
            }
            done.addLast(part);
        }
        return join(rootfs, done);
    }

    /** Whether container path {@code path} exists in {@code rootfs} (a dangling last link counts as missing). */
    static boolean exists(Path rootfs, String path) throws IOException {
        return Files.exists(resolve(rootfs, path), LinkOption.NOFOLLOW_LINKS);
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static Path join(Path rootfs, Deque<String> parts) {
        Path p = rootfs;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }
}
