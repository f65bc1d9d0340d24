package dev.kiln.worker;

import com.github.luben.zstd.ZstdInputStream;
import dev.kiln.common.KilnException;
import dev.kiln.worker.fs.Accounts;
import dev.kiln.worker.fs.RootedPaths;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * ADD's archive handling: recognises a local tar archive by its content (plain, gzip, bzip2,
 * xz or zstd, as Docker does, whatever the file is called) and unpacks it into a directory of
 * a root file system. Entries keep their mode, owner and modification time unless an owner is
 * given ({@code --chown}); names are confined to the destination ({@code ..} and absolute
 * names cannot leave it, symlinks in the tree are followed only inside the root); hard links
 * point at entries of the same archive. xz is decompressed by the {@code xz} program, as
 * Docker does. Stateless.
 */
final class ArchiveExtractor {
    private ArchiveExtractor() {}

    private enum Format { GZIP, BZIP2, XZ, ZSTD, NONE }

    /** Whether the file is a tar archive, possibly compressed. */
    static boolean isArchive(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (InputStream in = open(file)) {
            byte[] header = in.readNBytes(512);
            return header.length == 512 && validTarHeader(header);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static Format detect(byte[] h) {
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Format.GZIP;
        }
        if (h.length >= 3 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h') {
            return Format.BZIP2;
        }
        if (h.length >= 6 && (h[0] & 0xff) == 0xfd && h[1] == '7' && h[2] == 'z' && h[3] == 'X' && h[4] == 'Z' && h[5] == 0) {
            return Format.XZ;
        }
        if (h.length >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f && (h[3] & 0xff) == 0xfd) {
            return Format.ZSTD;
        }
        return Format.NONE;
    }

    /** The file's plain bytes: decompressed according to its magic number. */
    private static InputStream open(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(6);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
        try {
            return switch (detect(head)) {
                case GZIP -> new GZIPInputStream(raw, 64 * 1024);
                case BZIP2 -> new BZip2CompressorInputStream(raw, true);
                case ZSTD -> new ZstdInputStream(raw);
                case XZ -> {
                    raw.close();
                    yield xz(file);
                }
                case NONE -> raw;
            };
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    private static InputStream xz(Path file) throws IOException {
        Process p = new ProcessBuilder("xz", "-d", "-c", "-q").redirectInput(file.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        return new java.io.FilterInputStream(p.getInputStream()) {
            @Override
            public void close() throws IOException {
                super.close();
                p.destroy();
            }
        };
    }

    /** A 512-byte block whose checksum field matches its content (POSIX ustar, GNU and v7 tars). */
    private static boolean validTarHeader(byte[] h) {
        String field = new String(h, 148, 8, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", " ").trim();
        if (field.isEmpty() || !field.matches("[0-7]+")) {
            return false;
        }
        long expected = Long.parseLong(field, 8);
        long unsigned = 0;
        for (int i = 0; i < 512; i++) {
            unsigned += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        return unsigned == expected && h[0] != 0;
    }

    /**
     * Unpacks {@code archive} into {@code destDir} (a path inside {@code root}, created if
     * missing), owned by {@code owner} when it is not null.
     */
    static void extract(Path archive, Path root, String destDir, Accounts.Owner owner) throws IOException {
        String base = destDir.endsWith("/") ? destDir : destDir + "/";
        Map<Path, FileTime> dirTimes = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(open(archive))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = dev.kiln.common.files.RelativePaths.clean(e.getName());
                if (name.isEmpty()) {
                    continue;
                }
                Path target = RootedPaths.resolve(root, base + name, false);
                Files.createDirectories(RootedPaths.resolve(root, parentOf(base + name)));
                FileTime mtime = FileTime.from(e.getLastModifiedDate().toInstant());
                int uid = owner != null ? owner.uid() : (int) e.getLongUserId();
                int gid = owner != null ? owner.gid() : (int) e.getLongGroupId();
                if (e.isDirectory()) {
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(target);
                    }
                    if (!Files.isDirectory(target)) {
                        Files.createDirectory(target);
                    }
                    setMeta(target, e.getMode() & 07777, uid, gid);
                    dirTimes.put(target, mtime);
                    continue;
                }
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new KilnException("cannot unpack " + e.getName() + " over a directory");
                }
                Files.deleteIfExists(target);
                if (e.isSymbolicLink()) {
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                    Files.setAttribute(target, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(target, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
                } else if (e.isLink()) {
                    Path first = RootedPaths.resolve(root, base + dev.kiln.common.files.RelativePaths.clean(e.getLinkName()), false);
                    if (!Files.isRegularFile(first, LinkOption.NOFOLLOW_LINKS)) {
                        throw new KilnException("hard link " + e.getName() + " points to a missing entry " + e.getLinkName());
                    }
                    Files.createLink(target, first);
                    continue;
                } else if (e.isFile()) {
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    setMeta(target, e.getMode() & 07777, uid, gid);
                } else {
                    continue; // devices, fifos: not created, as Docker does without privileges
                }
                Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(mtime, null, null);
            }
        }
        List<Path> dirs = new ArrayList<>(dirTimes.keySet());
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Files.getFileAttributeView(dirs.get(i), BasicFileAttributeView.class).setTimes(dirTimes.get(dirs.get(i)), null, null);
        }
    }

    private static void setMeta(Path p, int mode, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", mode);
    }

    private static String parentOf(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }
}
