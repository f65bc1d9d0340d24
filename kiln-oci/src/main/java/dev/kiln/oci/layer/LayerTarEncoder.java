package dev.kiln.oci.layer;

import dev.kiln.oci.fs.FileInfo;
import dev.kiln.oci.fs.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a directory into tar entries, in the order and form layers need: a depth-first walk with
 * each directory's names sorted by their bytes (so parents precede children and the order never
 * depends on the file system), numeric owners, whole-second mtimes (clamped to
 * {@code SOURCE_DATE_EPOCH} when given), hard links (same device and inode) as link entries to
 * the first path seen, symlinks with their target, extended attributes except overlay
 * bookkeeping ({@code trusted.*}, {@code user.overlay.*}) and SELinux labels, sockets skipped.
 * The root directory itself is not an entry.
 *
 * <p>Stateless; each {@link #encode} call walks once and streams file contents straight into the
 * tar writer. Used by {@link LayerWriter} and by exporters that write plain tars.
 */
public final class LayerTarEncoder {
    /** The xattr names overlayfs uses to mark an opaque directory (root and user-namespace forms). */
    public static final List<String> OPAQUE_XATTRS = List.of("trusted.overlay.opaque", "user.overlay.opaque");
    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE_MARKER = ".wh..wh..opq";

    private final LayerSource source;
    private final Optional<Instant> clamp;

    public LayerTarEncoder(LayerSource source, Optional<Instant> sourceDateEpoch) {
        this.source = source;
        this.clamp = sourceDateEpoch;
    }

    /** Writes the entries of {@code root} (not the end-of-archive blocks) and returns how many. */
    public int encode(Path root, TarStreamWriter out) throws IOException {
        FileInfo rootInfo = FileInfo.of(root);
        if (!rootInfo.isDirectory()) {
            throw new IOException("not a directory: " + root);
        }
        return walk(root, "", out, new HashMap<>());
    }

    private record InodeKey(long dev, long ino) {}

    private int walk(Path dir, String prefix, TarStreamWriter out, Map<InodeKey, String> links) throws IOException {
        int count = 0;
        for (String name : sortedNames(dir)) {
            Path path = dir.resolve(name);
            String rel = prefix.isEmpty() ? name : prefix + "/" + name;
            FileInfo info = FileInfo.of(path);
            long mtime = mtime(info);
            if (source == LayerSource.OVERLAY_DIFF && info.isOverlayWhiteout()) {
                String wh = prefix.isEmpty() ? WHITEOUT_PREFIX + name : prefix + "/" + WHITEOUT_PREFIX + name;
                out.putEntry(TarEntry.file(wh, 0, 0, 0, mtime, 0));
                count++;
                continue;
            }
            Map<String, byte[]> xattrs = keptXattrs(path);
            switch (info.type()) {
                case FileInfo.S_IFSOCK -> {
                    continue;
                }
                case FileInfo.S_IFDIR -> {
                    out.putEntry(TarEntry.directory(rel, info.permissions(), info.uid(), info.gid(), mtime)
                            .withXattrs(xattrs));
                    count++;
                    if (source == LayerSource.OVERLAY_DIFF && isOpaque(path)) {
                        out.putEntry(TarEntry.file(rel + "/" + OPAQUE_MARKER, 0, 0, 0, mtime, 0));
                        count++;
                    }
                    count += walk(path, rel, out, links);
                }
                case FileInfo.S_IFLNK -> {
                    String target = Files.readSymbolicLink(path).toString();
                    out.putEntry(TarEntry.symlink(rel, target, info.uid(), info.gid(), mtime).withXattrs(xattrs));
                    count++;
                }
                case FileInfo.S_IFREG -> {
                    InodeKey key = new InodeKey(info.dev(), info.ino());
                    String first = info.nlink() > 1 ? links.get(key) : null;
                    if (first != null) {
                        out.putEntry(new TarEntry(rel, TarEntry.Type.HARDLINK, info.permissions(), info.uid(),
                                info.gid(), mtime, 0, first, 0, 0, null));
                    } else {
                        if (info.nlink() > 1) {
                            links.put(key, rel);
                        }
                        out.putEntry(TarEntry.file(rel, info.permissions(), info.uid(), info.gid(), mtime, info.size())
                                .withXattrs(xattrs));
                        try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
                            out.writeContent(in);
                        }
                    }
                    count++;
                }
                case FileInfo.S_IFCHR, FileInfo.S_IFBLK, FileInfo.S_IFIFO -> {
                    TarEntry.Type type = info.type() == FileInfo.S_IFCHR ? TarEntry.Type.CHAR_DEVICE
                            : info.type() == FileInfo.S_IFBLK ? TarEntry.Type.BLOCK_DEVICE : TarEntry.Type.FIFO;
                    boolean device = type != TarEntry.Type.FIFO;
                    out.putEntry(new TarEntry(rel, type, info.permissions(), info.uid(), info.gid(), mtime, 0, null,
                            device ? info.devMajor() : 0, device ? info.devMinor() : 0, xattrs));
                    count++;
                }
                default -> throw new IOException("unsupported file type " + Integer.toOctalString(info.type()) + ": " + path);
            }
        }
        return count;
    }

    private long mtime(FileInfo info) {
        long seconds = info.lastModified().toInstant().getEpochSecond();
        if (clamp.isPresent() && seconds > clamp.get().getEpochSecond()) {
            return clamp.get().getEpochSecond();
        }
        return seconds;
    }

    private static boolean isOpaque(Path dir) throws IOException {
        for (String name : OPAQUE_XATTRS) {
            Optional<byte[]> v = Xattrs.get(dir, name);
            if (v.isPresent() && Arrays.equals(v.get(), new byte[] {'y'})) {
                return true;
            }
        }
        return false;
    }

    /** The xattrs that belong in a layer: everything but trusted.*, user.overlay.* and security.selinux. */
    static boolean keepXattr(String name) {
        return !name.startsWith("trusted.") && !name.startsWith("user.overlay.") && !name.equals("security.selinux");
    }

    private static Map<String, byte[]> keptXattrs(Path path) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        for (String name : Xattrs.list(path)) {
            if (keepXattr(name)) {
                Xattrs.get(path, name).ifPresent(v -> out.put(name, v));
            }
        }
        return out;
    }

    /** The names in a directory, sorted by their UTF-8 bytes (Go's and containerd's order). */
    static List<String> sortedNames(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                names.add(p.getFileName().toString());
            }
        }
        names.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        return names;
    }
}
