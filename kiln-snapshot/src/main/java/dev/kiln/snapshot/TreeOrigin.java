package dev.kiln.snapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The identity of every entry of a freshly copied tree, so that a copying snapshotter can later
 * tell what a step changed the way overlayfs would have: an entry whose inode or change time
 * (ctime, which every write, chmod, chown, xattr change or link bumps and nothing can set back)
 * differs was modified or replaced, and a directory whose inode or birth time differs was deleted
 * and made again (overlayfs would show it as an opaque directory).
 *
 * <p>Stored as a binary file next to the snapshot's tree: per entry its path relative to the tree
 * ({@code ""} for the root), inode, ctime and birth time in nanoseconds. Values are immutable.
 */
record TreeOrigin(Map<String, Identity> entries) {

    private static final int MAGIC = 0x4b4f5231; // "KOR1"

    /** What identifies one entry: inode number, change time and birth time (nanoseconds since the epoch). */
    record Identity(long inode, long ctimeNanos, long birthNanos) {

        static Identity of(Path path) throws IOException {
            Map<String, Object> a = Files.readAttributes(path, "unix:ino,ctime,creationTime", LinkOption.NOFOLLOW_LINKS);
            return new Identity((Long) a.get("ino"), nanos((FileTime) a.get("ctime")),
                    nanos((FileTime) a.get("creationTime")));
        }

        /** Same inode and birth time: the very directory that was copied, whatever was done inside it. */
        boolean sameObject(Identity other) {
            return inode == other.inode && birthNanos == other.birthNanos;
        }

        /** Same object, and not changed since: no write, metadata change or link happened to it. */
        boolean unchanged(Identity other) {
            return sameObject(other) && ctimeNanos == other.ctimeNanos;
        }

        private static long nanos(FileTime t) {
            return t.to(TimeUnit.NANOSECONDS);
        }
    }

    TreeOrigin {
        entries = Map.copyOf(entries);
    }

    /** The recorded identity of {@code relative} ({@code ""} for the root), or null if it was not in the copy. */
    Identity get(String relative) {
        return entries.get(relative);
    }

    /**
     * Walks {@code tree} (never following symlinks) and writes the identity of each entry to {@code file};
     * returns once the file system's clock has moved past every recorded time, so that whatever
     * happens to the tree from now on shows as a later ctime or birth time (file times tick
     * coarsely, a few milliseconds apart).
     */
    static void record(Path tree, Path file) throws IOException {
        long[] latest = {Long.MIN_VALUE};
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeInt(MAGIC);
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    write(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    write(f);
                    return FileVisitResult.CONTINUE;
                }

                private void write(Path p) throws IOException {
                    Identity id = Identity.of(p);
                    latest[0] = Math.max(latest[0], Math.max(id.ctimeNanos(), id.birthNanos()));
                    out.writeUTF(tree.relativize(p).toString());
                    out.writeLong(id.inode());
                    out.writeLong(id.ctimeNanos());
                    out.writeLong(id.birthNanos());
                }
            });
        }
        waitForClockPast(file, latest[0]);
    }

    /** Touches {@code file} until its ctime is later than {@code nanos}. */
    private static void waitForClockPast(Path file, long nanos) throws IOException {
        for (int i = 0; i < 1000; i++) {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
            if (Identity.of(file).ctimeNanos() > nanos) {
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while recording " + file);
            }
        }
        throw new IOException("the clock of the file system holding " + file + " does not advance");
    }

    /** Reads a file written by {@link #record}; a missing file gives an empty origin (nothing known). */
    static TreeOrigin load(Path file) throws IOException {
        Map<String, Identity> entries = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a tree origin record");
            }
            while (true) {
                String path;
                try {
                    path = in.readUTF();
                } catch (EOFException e) {
                    break;
                }
                entries.put(path, new Identity(in.readLong(), in.readLong(), in.readLong()));
            }
        } catch (NoSuchFileException e) {
            return new TreeOrigin(Map.of());
        }
        return new TreeOrigin(entries);
    }
}
