package dev.kiln.daemon.context;

import dev.kiln.daemon.api.FileStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a build context as lstat(2) sees it: a relative slash-separated path, the
 * st_mode (type and permission bits), size, modification time, owner and, for a symlink, its
 * target. The client lists these; the daemon compares them with its copy to decide what to
 * fetch. A value; validates its path so that a listing can never name something outside the
 * context.
 */
public record FileEntry(String path, int mode, long size, long mtimeNanos, int uid, int gid, String linkTarget) {
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

    public FileEntry {
        Objects.requireNonNull(path, "path");
        linkTarget = linkTarget == null ? "" : linkTarget;
        if (!safe(path)) {
            throw new IllegalArgumentException("unsafe context path \"" + path + "\"");
        }
    }

    /** Whether {@code p} is a clean relative path: no leading slash, no empty, "." or ".." segments. */
    public static boolean safe(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.endsWith("/") || p.indexOf('\0') >= 0) {
            return false;
        }
        for (String seg : p.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return false;
            }
        }
        return true;
    }

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isSymlink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    /** The permission bits, with setuid, setgid and sticky. */
    public int permissions() {
        return mode & 07777;
    }

    /** The parent's path, or "" at the top. */
    public String parent() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** Whether content must be fetched again: a regular file whose type, size or mtime differ. */
    boolean contentDiffers(FileEntry old) {
        return old == null || (old.mode & S_IFMT) != (mode & S_IFMT) || old.size != size || old.mtimeNanos != mtimeNanos
                || !old.linkTarget.equals(linkTarget);
    }

    /** Reads the entry for {@code root/rel} without following a final symlink. */
    public static FileEntry stat(Path root, String rel) throws IOException {
        Path p = root.resolve(rel);
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime,uid,gid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        long nanos = mtime.to(java.util.concurrent.TimeUnit.NANOSECONDS);
        String target = (mode & S_IFMT) == S_IFLNK ? Files.readSymbolicLink(p).toString() : "";
        long size = (mode & S_IFMT) == S_IFREG ? (Long) a.get("size") : 0;
        return new FileEntry(rel, mode, size, nanos, (Integer) a.get("uid"), (Integer) a.get("gid"), target);
    }

    public FileStat toProto() {
        return FileStat.newBuilder().setPath(path).setMode(mode).setSize(size).setMtimeUnixNanos(mtimeNanos).setUid(uid)
                .setGid(gid).setLinkTarget(linkTarget).build();
    }

    public static FileEntry fromProto(FileStat s) {
        return new FileEntry(s.getPath(), s.getMode(), s.getSize(), s.getMtimeUnixNanos(), s.getUid(), s.getGid(),
                s.getLinkTarget());
    }
}
