package dev.kiln.oci.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a POSIX (pax) tar stream for layers, deterministically: ustar headers with numeric
 * owners only (empty user and group names), whole-second mtimes, and a pax extended header
 * only when an entry needs one (a name or link target that is longer than the ustar field or
 * not ASCII, an owner or size beyond the octal fields, extended attributes as
 * {@code SCHILY.xattr.NAME} with raw byte values). The archive ends with two zero blocks.
 *
 * <p>The JDK has no tar and commons-compress holds pax values as Java strings, which cannot
 * carry binary xattr values such as {@code security.capability}; hence this small writer.
 * Not thread-safe. {@link #finish()} ends the archive; the caller closes the underlying stream.
 */
public final class TarStreamWriter {
    static final int BLOCK = 512;
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;

    private final OutputStream out;
    private long remaining;
    private long currentSize;
    private boolean finished;

    public TarStreamWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes an entry; a regular file's content follows with {@link #writeContent}. */
    public void putEntry(TarEntry e) throws IOException {
        if (remaining != 0) {
            throw new IOException("previous tar entry is " + remaining + " bytes short");
        }
        padPrevious();
        String name = e.type() == TarEntry.Type.DIRECTORY ? e.name() + "/" : e.name();
        Map<String, byte[]> pax = new LinkedHashMap<>();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = e.linkName().getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100 || !isAscii(name)) {
            pax.put("path", nameBytes);
        }
        if (linkBytes.length > 100 || !isAscii(e.linkName())) {
            pax.put("linkpath", linkBytes);
        }
        if (e.uid() > MAX_OCTAL_7) {
            pax.put("uid", Long.toString(e.uid()).getBytes(StandardCharsets.US_ASCII));
        }
        if (e.gid() > MAX_OCTAL_7) {
            pax.put("gid", Long.toString(e.gid()).getBytes(StandardCharsets.US_ASCII));
        }
        if (e.size() > MAX_OCTAL_11) {
            pax.put("size", Long.toString(e.size()).getBytes(StandardCharsets.US_ASCII));
        }
        if (e.mtimeSeconds() < 0 || e.mtimeSeconds() > MAX_OCTAL_11) {
            pax.put("mtime", Long.toString(e.mtimeSeconds()).getBytes(StandardCharsets.US_ASCII));
        }
        e.xattrs().forEach((k, v) -> pax.put("SCHILY.xattr." + k, v));
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            String paxName = paxHeaderName(name);
            out.write(header(paxName, 0644, 0, 0, records.length, 0, 'x', "", 0, 0));
            out.write(records);
            pad(records.length);
        }
        out.write(header(truncate(name, 100), e.mode(), Math.min(e.uid(), MAX_OCTAL_7), Math.min(e.gid(), MAX_OCTAL_7),
                Math.min(e.size(), MAX_OCTAL_11), Math.clamp(e.mtimeSeconds(), 0, MAX_OCTAL_11), typeFlag(e.type()),
                truncate(e.linkName(), 100), e.devMajor(), e.devMinor()));
        remaining = e.size();
        currentSize = e.size();
    }

    /** Writes exactly the entry's size from {@code in}; fails if the source is shorter. */
    public void writeContent(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (remaining > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                throw new IOException("file shrank while being archived (" + remaining + " bytes missing)");
            }
            out.write(buf, 0, n);
            remaining -= n;
        }
    }

    /** Writes part of the current entry's content. */
    public void write(byte[] b, int off, int len) throws IOException {
        if (len > remaining) {
            throw new IOException("more content than the tar entry's size");
        }
        out.write(b, off, len);
        remaining -= len;
    }

    /** Ends the archive with two zero blocks (does not close the underlying stream). */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        if (remaining != 0) {
            throw new IOException("last tar entry is " + remaining + " bytes short");
        }
        padPrevious();
        out.write(new byte[2 * BLOCK]);
        out.flush();
        finished = true;
    }

    private void padPrevious() throws IOException {
        pad(currentSize);
        currentSize = 0;
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    private static char typeFlag(TarEntry.Type t) {
        return switch (t) {
            case FILE -> '0';
            case HARDLINK -> '1';
            case SYMLINK -> '2';
            case CHAR_DEVICE -> '3';
            case BLOCK_DEVICE -> '4';
            case DIRECTORY -> '5';
            case FIFO -> '6';
        };
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private static String paxHeaderName(String name) {
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        int slash = trimmed.lastIndexOf('/');
        String dir = slash < 0 ? "" : trimmed.substring(0, slash + 1);
        String base = trimmed.substring(slash + 1);
        StringBuilder ascii = new StringBuilder();
        for (char c : (dir + "PaxHeaders.0/" + base).toCharArray()) {
            ascii.append(c > 0x7e || c == 0 ? '_' : c);
        }
        return truncate(ascii.toString(), 100);
    }

    private static String truncate(String s, int maxBytes) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new String(b, 0, Math.min(maxBytes, b.length), StandardCharsets.ISO_8859_1);
    }

    /** Encodes pax records {@code "LEN KEY=VALUE\n"} where LEN counts the whole record. */
    static byte[] paxRecords(Map<String, byte[]> pax) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (var e : pax.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            int body = 1 + key.length + 1 + e.getValue().length + 1;
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len = body + Integer.toString(len).length();
            }
            b.write((len + " ").getBytes(StandardCharsets.US_ASCII));
            b.write(key);
            b.write('=');
            b.write(e.getValue());
            b.write('\n');
        }
        return b.toByteArray();
    }

    /** A ustar header block; {@code name} and {@code link} are already at most 100 bytes. */
    private static byte[] header(String name, int mode, long uid, long gid, long size, long mtime, char type,
            String link, int devMajor, int devMinor) {
        byte[] h = new byte[BLOCK];
        putString(h, 0, 100, name);
        putOctal(h, 100, 8, mode);
        putOctal(h, 108, 8, uid);
        putOctal(h, 116, 8, gid);
        putOctal(h, 124, 12, size);
        putOctal(h, 136, 12, mtime);
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        putString(h, 157, 100, link);
        putString(h, 257, 6, "ustar");
        h[263] = '0';
        h[264] = '0';
        if (type == '3' || type == '4') {
            putOctal(h, 329, 8, devMajor);
            putOctal(h, 337, 8, devMinor);
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String chk = String.format("%06o", sum);
        putString(h, 148, 6, chk);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void putString(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    private static void putOctal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        putString(h, off, len - 1, padded);
        h[off + len - 1] = 0;
    }
}
