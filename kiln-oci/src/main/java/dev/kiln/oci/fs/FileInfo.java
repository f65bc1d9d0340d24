package dev.kiln.oci.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What {@code lstat(2)} says about a path, read through the JDK's {@code unix:*} attribute
 * view (no native code): file type and permission bits, owner, inode identity, device number
 * of a device node, link count, size and modification time. Never follows a symlink.
 *
 * @param mode the full {@code st_mode} (type bits and the low 12 permission bits)
 */
public record FileInfo(int mode, int uid, int gid, long dev, long ino, long rdev, int nlink, long size,
        FileTime lastModified) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    /** Reads the attributes of the path itself (symlinks are not followed). */
    public static FileInfo of(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
        return new FileInfo((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("rdev"), (Integer) a.get("nlink"),
                (Long) a.get("size"), (FileTime) a.get("lastModifiedTime"));
    }

    public int type() {
        return mode & S_IFMT;
    }

    /** The permission bits, including set-uid, set-gid and sticky. */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    public boolean isRegularFile() {
        return type() == S_IFREG;
    }

    public boolean isSymlink() {
        return type() == S_IFLNK;
    }

    /** True for the 0/0 character device overlayfs uses to mark a deleted path. */
    public boolean isOverlayWhiteout() {
        return type() == S_IFCHR && rdev == 0;
    }

    public int devMajor() {
        return DeviceNodes.major(rdev);
    }

    public int devMinor() {
        return DeviceNodes.minor(rdev);
    }
}
