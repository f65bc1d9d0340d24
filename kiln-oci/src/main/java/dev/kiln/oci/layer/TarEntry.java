package dev.kiln.oci.layer;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One entry of a layer tar, as {@link TarStreamWriter} writes it and {@link TarStreamReader}
 * reads it: a path relative to the root (no leading {@code /} or {@code ./}, no trailing
 * {@code /}), its type, permission bits, numeric owner, modification time in whole seconds, size
 * (regular files only), link target (symlinks and hard links), device numbers, and extended
 * attributes with raw byte values (kept in name order).
 */
public record TarEntry(String name, Type type, int mode, long uid, long gid, long mtimeSeconds, long size,
        String linkName, int devMajor, int devMinor, Map<String, byte[]> xattrs) {

    /** The kinds of entries a layer holds. */
    public enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO }

    public TarEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty tar entry name");
        }
        if (size < 0 || uid < 0 || gid < 0) {
            throw new IllegalArgumentException("negative size or owner in tar entry " + name);
        }
        if (type != Type.FILE && size != 0) {
            throw new IllegalArgumentException("only regular files have content: " + name);
        }
        if ((type == Type.SYMLINK || type == Type.HARDLINK) && (linkName == null || linkName.isEmpty())) {
            throw new IllegalArgumentException("link without target: " + name);
        }
        linkName = linkName == null ? "" : linkName;
        mode = mode & 07777;
        TreeMap<String, byte[]> sorted = new TreeMap<>();
        if (xattrs != null) {
            xattrs.forEach((k, v) -> sorted.put(k, v.clone()));
        }
        xattrs = Collections.unmodifiableMap(sorted);
    }

    public static TarEntry directory(String name, int mode, long uid, long gid, long mtime) {
        return new TarEntry(name, Type.DIRECTORY, mode, uid, gid, mtime, 0, null, 0, 0, null);
    }

    public static TarEntry file(String name, int mode, long uid, long gid, long mtime, long size) {
        return new TarEntry(name, Type.FILE, mode, uid, gid, mtime, size, null, 0, 0, null);
    }

    public static TarEntry symlink(String name, String target, long uid, long gid, long mtime) {
        return new TarEntry(name, Type.SYMLINK, 0777, uid, gid, mtime, 0, target, 0, 0, null);
    }

    public TarEntry withXattrs(Map<String, byte[]> x) {
        return new TarEntry(name, type, mode, uid, gid, mtimeSeconds, size, linkName, devMajor, devMinor, x);
    }

    public TarEntry withMtime(long seconds) {
        return new TarEntry(name, type, mode, uid, gid, seconds, size, linkName, devMajor, devMinor, xattrs);
    }

    /** The last path element. */
    public String baseName() {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? name : name.substring(slash + 1);
    }

    /** The parent path, or the empty string for an entry at the root. */
    public String parentName() {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? "" : name.substring(0, slash);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TarEntry e)) {
            return false;
        }
        if (!name.equals(e.name) || type != e.type || mode != e.mode || uid != e.uid || gid != e.gid
                || mtimeSeconds != e.mtimeSeconds || size != e.size || !linkName.equals(e.linkName)
                || devMajor != e.devMajor || devMinor != e.devMinor || !xattrs.keySet().equals(e.xattrs.keySet())) {
            return false;
        }
        for (var x : xattrs.entrySet()) {
            if (!Arrays.equals(x.getValue(), e.xattrs.get(x.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, mode, uid, gid, mtimeSeconds, size, linkName);
    }
}
