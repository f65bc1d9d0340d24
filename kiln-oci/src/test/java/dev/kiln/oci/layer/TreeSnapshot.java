package dev.kiln.oci.layer;

import dev.kiln.common.Digest;
import dev.kiln.oci.fs.FileInfo;
import dev.kiln.oci.fs.Xattrs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** A comparable description of a directory tree: per path, type, mode, owner, mtime, content or target, xattrs. */
final class TreeSnapshot {
    private TreeSnapshot() {}

    static Map<String, String> of(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                FileInfo info = FileInfo.of(p);
                StringBuilder s = new StringBuilder();
                s.append(Integer.toOctalString(info.mode())).append(' ').append(info.uid()).append(':').append(info.gid());
                s.append(" mtime=").append(info.lastModified().toInstant().getEpochSecond());
                if (info.isRegularFile()) {
                    s.append(" content=").append(Digest.sha256(p).shortHex());
                } else if (info.isSymlink()) {
                    s.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (!info.isDirectory()) {
                    s.append(" dev=").append(info.devMajor()).append(',').append(info.devMinor());
                }
                for (String x : new java.util.TreeSet<>(Xattrs.list(p))) {
                    s.append(' ').append(x).append('=').append(HexFormat.of().formatHex(Xattrs.get(p, x).orElseThrow()));
                }
                out.put(root.relativize(p).toString(), s.toString());
            }
        }
        return out;
    }
}
