package dev.kiln.oci.archive;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.attribute.FileTime;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes the tar of an image archive (OCI layout tar, docker-save tar) with commons-compress:
 * regular files and directories only, owner 0:0 without names, mode 0644/0755, mtime 0, pax
 * headers for long names, so equal content gives equal archives. Not thread-safe;
 * {@link #finish()} ends the archive without closing the underlying stream.
 */
final class ArchiveTarWriter {
    private static final FileTime EPOCH = FileTime.fromMillis(0);
    private final TarArchiveOutputStream tar;

    ArchiveTarWriter(OutputStream out) {
        this.tar = new TarArchiveOutputStream(new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        }, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    void directory(String name) throws IOException {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", 040755, 0);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    void file(String name, byte[] content) throws IOException {
        file(name, content.length, new ByteArrayInputStream(content));
    }

    void file(String name, long size, InputStream content) throws IOException {
        tar.putArchiveEntry(entry(name, 0100644, size));
        long copied = content.transferTo(tar);
        if (copied != size) {
            throw new IOException("archive member " + name + " has " + copied + " bytes, expected " + size);
        }
        tar.closeArchiveEntry();
    }

    /** Writes the end-of-archive blocks and flushes; the underlying stream stays open. */
    void finish() throws IOException {
        tar.finish();
        tar.close();
    }

    private static TarArchiveEntry entry(String name, int mode, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setSize(size);
        e.setIds(0, 0);
        e.setUserName("");
        e.setGroupName("");
        e.setLastModifiedTime(EPOCH);
        return e;
    }
}
