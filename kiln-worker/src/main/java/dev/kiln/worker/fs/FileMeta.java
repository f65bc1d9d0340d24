package dev.kiln.worker.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What Kiln needs to know of one file system entry, read without following a symlink:
 * type, permission bits (with setuid/setgid/sticky), owner and modification time.
 */
public record FileMeta(Type type, int mode, int uid, int gid, long size, FileTime mtime) {

    public enum Type { FILE, DIRECTORY, SYMLINK, OTHER }

    public static FileMeta read(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,isDirectory,isSymbolicLink,isRegularFile",
                LinkOption.NOFOLLOW_LINKS);
        Type t = (Boolean) a.get("isSymbolicLink") ? Type.SYMLINK
                : (Boolean) a.get("isDirectory") ? Type.DIRECTORY
                : (Boolean) a.get("isRegularFile") ? Type.FILE : Type.OTHER;
        return new FileMeta(t, ((Integer) a.get("mode")) & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Long) a.get("size"), (FileTime) a.get("lastModifiedTime"));
    }
}
