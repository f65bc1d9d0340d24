package dev.kiln.worker;

import dev.kiln.common.Digest;
import dev.kiln.solver.ContentSelector;
import dev.kiln.worker.fs.FileMeta;
import dev.kiln.worker.fs.RootedPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checksums the files a step selects from a tree: for every selected entry, recursively and
 * in sorted order, its relative path, type, permission bits, owner, and content (regular
 * files) or target (symlinks). Modification times are never part of it, so touching a file
 * does not change the checksum; changing its mode or owner does.
 *
 * <p>File content hashes are remembered per (path, size, mtime, inode-change time) for the
 * life of the worker, so a second build in one process does not read unchanged files again.
 */
final class ContentHasher {
    private record FileKey(Path path, long size, long mtime, Object ctime) {}

    private final Map<FileKey, String> fileHashes = new ConcurrentHashMap<>();

    Digest checksum(MountedTree tree, ContentSelector selector) throws IOException {
        MessageDigest md = Digest.newSha256();
        ChecksumMatches matches = new ChecksumMatches(tree, selector);
        for (ChecksumMatches.Match m : matches.expand()) {
            update(md, "sel:" + m.pattern() + "\n");
            if (m.path() == null) {
                update(md, "missing\n");
                continue;
            }
            Path start = selector.followLinks() ? RootedPaths.resolve(tree.root(), m.relative())
                    : tree.root().resolve(m.relative());
            walk(md, tree, start, m.relative(), m.relative(), selector);
        }
        return Digest.fromSha256(md.digest());
    }

    private void walk(MessageDigest md, MountedTree tree, Path p, String root, String rel, ContentSelector selector)
            throws IOException {
        if (!RootedPaths.existsNoFollow(p)) {
            update(md, rel + " missing\n");
            return;
        }
        FileMeta meta = FileMeta.read(p);
        StringBuilder line = new StringBuilder(rel).append(' ').append(meta.type()).append(' ')
                .append(Integer.toOctalString(meta.mode())).append(' ').append(meta.uid()).append(':').append(meta.gid());
        switch (meta.type()) {
            case FILE -> line.append(' ').append(fileHash(p, meta));
            case SYMLINK -> line.append(" -> ").append(Files.readSymbolicLink(p));
            default -> {}
        }
        update(md, line.append('\n').toString());
        if (meta.type() != FileMeta.Type.DIRECTORY) {
            return;
        }
        List<Path> children;
        try (var s = Files.list(p)) {
            children = s.sorted().toList();
        }
        for (Path c : children) {
            String childRel = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
            boolean isDir = Files.isDirectory(c, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (isDir && tree.skipDirectory(childRel)) {
                continue;
            }
            if (tree.excluded(childRel) && !isDir) {
                continue;
            }
            if (ChecksumMatches.excludedBySelector(selector, root, childRel)) {
                continue;
            }
            walk(md, tree, c, root, childRel, selector);
        }
    }

    private String fileHash(Path p, FileMeta meta) throws IOException {
        Object ctime = Files.getAttribute(p, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileKey key = new FileKey(p, meta.size(), meta.mtime().toMillis(), ctime);
        String known = fileHashes.get(key);
        if (known != null) {
            return known;
        }
        String h;
        try (InputStream in = Files.newInputStream(p)) {
            h = Digest.sha256(in).hex();
        }
        fileHashes.put(key, h);
        return h;
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
    }
}
