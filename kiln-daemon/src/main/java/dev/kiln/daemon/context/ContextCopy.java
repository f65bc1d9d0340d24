package dev.kiln.daemon.context;

import dev.kiln.daemon.api.FileStat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The daemon's copy of one client context ({@code STATE/contexts/<key>/}): the files under
 * {@code tree/}, and {@code manifest}, the listing they match. {@link #sync} brings the tree to
 * a new listing, fetching only regular files that are new or whose size or mtime changed.
 *
 * <p>Crash safety: the manifest is deleted before the tree changes and written (temp, then
 * rename) after, so a copy interrupted mid-sync has no manifest and the next sync starts over.
 * Builds read the tree under {@link #lock()}'s read lock; a sync holds the write lock. One
 * instance per key, handed out by {@link ContextStore}.
 */
public final class ContextCopy {
    private static final int MAX_WANTED = 1_000_000;
    private final Path dir;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Map<String, FileEntry> manifest;

    ContextCopy(Path dir) {
        this.dir = dir;
    }

    /** The directory a build reads as its context. */
    public Path tree() {
        return dir.resolve("tree");
    }

    /** A directory beside the tree for files the build needs that are not part of the context (the Dockerfile). */
    public Path extras() throws IOException {
        return Files.createDirectories(dir.resolve("extras"));
    }

    public ReentrantReadWriteLock lock() {
        return lock;
    }

    /** What a sync to {@code wanted} would fetch: the regular files that are new or changed. Needs a lock. */
    public List<FileEntry> changed(List<FileEntry> wanted) throws IOException {
        Map<String, FileEntry> old = manifest();
        List<FileEntry> out = new ArrayList<>();
        if (old == null) {
            return wanted.stream().filter(FileEntry::isRegularFile).toList();
        }
        for (FileEntry e : wanted) {
            FileEntry o = old.get(e.path());
            if (e.isRegularFile() && e.contentDiffers(o)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Whether the tree already matches {@code wanted} exactly. Needs a lock. */
    public boolean matches(List<FileEntry> wanted) throws IOException {
        Map<String, FileEntry> old = manifest();
        if (old == null || old.size() != wanted.size()) {
            return false;
        }
        for (FileEntry e : wanted) {
            if (!e.equals(old.get(e.path()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes the tree match {@code wanted} (parents listed before children), asking {@code source}
     * for the content of new or changed regular files. Caller holds the write lock.
     *
     * @return the bytes fetched
     */
    public long sync(List<FileEntry> wanted, FileSource source) throws IOException, InterruptedException {
        if (!lock.isWriteLockedByCurrentThread()) {
            throw new IllegalStateException("sync needs the write lock");
        }
        Map<String, FileEntry> want = validate(wanted);
        Map<String, FileEntry> old = manifest();
        Path tree = tree();
        Files.deleteIfExists(dir.resolve("manifest"));
        manifest = null;
        if (old == null) {
            dev.kiln.common.files.FileTrees.deleteRecursively(tree);
            old = Map.of();
        }
        Files.createDirectories(tree);
        removeStale(tree, old, want);
        List<FileEntry> fetch = new ArrayList<>();
        for (FileEntry e : want.values()) {
            FileEntry o = old.get(e.path());
            Path p = tree.resolve(e.path());
            if (e.isDirectory()) {
                if (o == null || !o.isDirectory()) {
                    Files.createDirectories(p);
                }
            } else if (e.isSymlink()) {
                if (o == null || e.contentDiffers(o)) {
                    Files.deleteIfExists(p);
                    Files.createSymbolicLink(p, Path.of(e.linkTarget()));
                    applyMeta(p, e);
                } else if (!e.equals(o)) {
                    applyMeta(p, e);
                }
            } else if (e.isRegularFile()) {
                if (e.contentDiffers(o)) {
                    fetch.add(e);
                } else if (!e.equals(o)) {
                    applyMeta(p, e);
                }
            }
            // sockets, fifos and devices are left out of a context copy
        }
        long bytes = fetch.isEmpty() ? 0 : receive(tree, fetch, source);
        List<FileEntry> dirs = new ArrayList<>(want.values().stream().filter(FileEntry::isDirectory).toList());
        dirs.sort(Comparator.comparingInt((FileEntry e) -> depth(e.path())).reversed());
        for (FileEntry d : dirs) {
            applyMeta(tree.resolve(d.path()), d);
        }
        writeManifest(want);
        manifest = want;
        return bytes;
    }

    private static Map<String, FileEntry> validate(List<FileEntry> wanted) {
        if (wanted.size() > MAX_WANTED) {
            throw new IllegalArgumentException("context lists more than " + MAX_WANTED + " files");
        }
        Map<String, FileEntry> want = new LinkedHashMap<>();
        Set<String> dirs = new HashSet<>();
        for (FileEntry e : wanted) {
            String parent = e.parent();
            if (!parent.isEmpty() && !dirs.contains(parent)) {
                throw new IllegalArgumentException("context entry \"" + e.path() + "\" comes before its directory");
            }
            if (want.put(e.path(), e) != null) {
                throw new IllegalArgumentException("context entry \"" + e.path() + "\" listed twice");
            }
            if (e.isDirectory()) {
                dirs.add(e.path());
            }
        }
        return want;
    }

    private static void removeStale(Path tree, Map<String, FileEntry> old, Map<String, FileEntry> want) throws IOException {
        List<String> gone = new ArrayList<>();
        for (FileEntry o : old.values()) {
            FileEntry n = want.get(o.path());
            if (n == null || (n.mode() & FileEntry.S_IFMT) != (o.mode() & FileEntry.S_IFMT)) {
                gone.add(o.path());
            }
        }
        gone.sort(Comparator.comparingInt(ContextCopy::depth));
        Set<String> removed = new HashSet<>();
        for (String g : gone) {
            if (removedAncestor(g, removed)) {
                continue;
            }
            dev.kiln.common.files.FileTrees.deleteRecursively(tree.resolve(g));
            removed.add(g);
        }
    }

    private static boolean removedAncestor(String path, Set<String> removed) {
        int slash = path.lastIndexOf('/');
        while (slash > 0) {
            path = path.substring(0, slash);
            if (removed.contains(path)) {
                return true;
            }
            slash = path.lastIndexOf('/');
        }
        return false;
    }

    private long receive(Path tree, List<FileEntry> fetch, FileSource source) throws IOException, InterruptedException {
        Map<String, FileEntry> pending = new HashMap<>();
        List<String> paths = new ArrayList<>();
        for (FileEntry e : fetch) {
            pending.put(e.path(), e);
            paths.add(e.path());
        }
        Path incoming = Files.createDirectories(dir.resolve("incoming"));
        long[] total = {0};
        FileChannel[] open = {null};
        String[] current = {null};
        Path temp = incoming.resolve("file");
        try {
            source.send(paths, (path, data, off, len, eof) -> {
                if (current[0] == null || !current[0].equals(path)) {
                    if (open[0] != null) {
                        throw new IOException("file \"" + current[0] + "\" ended without eof");
                    }
                    if (!pending.containsKey(path)) {
                        throw new IOException("client sent \"" + path + "\", which was not asked for");
                    }
                    current[0] = path;
                    open[0] = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
                }
                open[0].write(java.nio.ByteBuffer.wrap(data, off, len));
                total[0] += len;
                if (eof) {
                    open[0].close();
                    open[0] = null;
                    FileEntry e = pending.remove(path);
                    Path target = tree.resolve(path);
                    applyMeta(temp, e);
                    move(temp, target);
                    current[0] = null;
                }
            });
        } finally {
            if (open[0] != null) {
                open[0].close();
            }
            Files.deleteIfExists(temp);
        }
        if (!pending.isEmpty()) {
            throw new IOException("client did not send " + pending.size() + " file(s), e.g. \""
                    + pending.keySet().iterator().next() + "\"");
        }
        return total[0];
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void applyMeta(Path p, FileEntry e) throws IOException {
        Files.setAttribute(p, "unix:uid", e.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", e.gid(), LinkOption.NOFOLLOW_LINKS);
        FileTime mtime = FileTime.from(e.mtimeNanos(), TimeUnit.NANOSECONDS);
        if (!e.isSymlink()) {
            Files.setAttribute(p, "unix:mode", e.permissions());
        }
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
    }

    /** The listing the tree matches, or null when none is recorded (new or interrupted copy). */
    private Map<String, FileEntry> manifest() throws IOException {
        if (manifest != null) {
            return manifest;
        }
        Path m = dir.resolve("manifest");
        if (!Files.isRegularFile(m) || !Files.isDirectory(tree())) {
            return null;
        }
        Map<String, FileEntry> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(m)) {
            FileStat s;
            while ((s = FileStat.parseDelimitedFrom(in)) != null) {
                FileEntry e = FileEntry.fromProto(s);
                out.put(e.path(), e);
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        manifest = out;
        return out;
    }

    private void writeManifest(Map<String, FileEntry> want) throws IOException {
        Path tmp = dir.resolve("manifest.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            for (FileEntry e : want.values()) {
                e.toProto().writeDelimitedTo(out);
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        move(tmp, dir.resolve("manifest"));
    }

    /** The time the copy was last synced, for pruning; the epoch when it never was. */
    public FileTime lastSynced() {
        try {
            return Files.getLastModifiedTime(dir.resolve("manifest"));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    Path dir() {
        return dir;
    }

    private static int depth(String path) {
        int d = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                d++;
            }
        }
        return d;
    }
}
