package dev.kiln.oci.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a tar stream entry by entry: ustar, pax ({@code path}, {@code linkpath}, {@code size},
 * {@code uid}, {@code gid}, {@code mtime}, {@code SCHILY.xattr.*} and {@code LIBARCHIVE.xattr.*}
 * with raw byte values) and the GNU long-name extensions, with octal or base-256 numbers, as
 * Docker, BuildKit, GNU tar and Go write them. Names are returned as written, minus trailing
 * slashes; checking them is the caller's job ({@link LayerApplier} rejects unsafe ones).
 *
 * <p>Not thread-safe. Reads from the given stream and never closes it; after {@link #next()}
 * returned null the stream is positioned after the end-of-archive block.
 */
public final class TarStreamReader {
    private static final int BLOCK = TarStreamWriter.BLOCK;
    private final InputStream in;
    private long remaining;
    private long padding;
    private boolean ended;

    public TarStreamReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive. Unread content of the previous entry is skipped. */
    public TarEntry next() throws IOException {
        skipRest();
        Map<String, byte[]> pax = new LinkedHashMap<>();
        String longName = null;
        String longLink = null;
        while (!ended) {
            byte[] h = readBlock(true);
            if (h == null || isZero(h)) {
                ended = true;
                return null;
            }
            verifyChecksum(h);
            char type = (char) h[156];
            long size = number(h, 124, 12);
            switch (type) {
                case 'x' -> pax.putAll(parsePax(readBody(size)));
                case 'g' -> readBody(size);
                case 'L' -> longName = cString(readBody(size));
                case 'K' -> longLink = cString(readBody(size));
                default -> {
                    return entry(h, type, size, pax, longName, longLink);
                }
            }
        }
        return null;
    }

    /** The content of the current regular-file entry; reading past its size returns end-of-stream. */
    public InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("tar entry truncated");
                }
                remaining -= n;
                return n;
            }
        };
    }

    private TarEntry entry(byte[] h, char type, long size, Map<String, byte[]> pax, String longName, String longLink)
            throws IOException {
        String name = field(h, 0, 100);
        String magic = field(h, 257, 6);
        if (magic.startsWith("ustar") && h[263] == '0') {
            String prefix = field(h, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        String link = field(h, 157, 100);
        if (longName != null) {
            name = longName;
        }
        if (longLink != null) {
            link = longLink;
        }
        long uid = number(h, 108, 8);
        long gid = number(h, 116, 8);
        long mtime = number(h, 136, 12);
        Map<String, byte[]> xattrs = new TreeMap<>();
        for (var e : pax.entrySet()) {
            String k = e.getKey();
            String v = new String(e.getValue(), StandardCharsets.UTF_8);
            switch (k) {
                case "path" -> name = v;
                case "linkpath" -> link = v;
                case "size" -> size = Long.parseLong(v.trim());
                case "uid" -> uid = Long.parseLong(v.trim());
                case "gid" -> gid = Long.parseLong(v.trim());
                case "mtime" -> mtime = (long) Math.floor(Double.parseDouble(v.trim()));
                default -> {
                    if (k.startsWith("SCHILY.xattr.")) {
                        xattrs.put(k.substring("SCHILY.xattr.".length()), e.getValue());
                    } else if (k.startsWith("LIBARCHIVE.xattr.")) {
                        String encoded = k.substring("LIBARCHIVE.xattr.".length());
                        xattrs.put(java.net.URLDecoder.decode(encoded, StandardCharsets.UTF_8),
                                Base64.getDecoder().decode(v.trim()));
                    }
                }
            }
        }
        boolean dirByName = name.endsWith("/");
        while (name.length() > 1 && name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty()) {
            name = ".";
        }
        TarEntry.Type t = switch (type) {
            case '0', '\0', '7' -> dirByName ? TarEntry.Type.DIRECTORY : TarEntry.Type.FILE;
            case '1' -> TarEntry.Type.HARDLINK;
            case '2' -> TarEntry.Type.SYMLINK;
            case '3' -> TarEntry.Type.CHAR_DEVICE;
            case '4' -> TarEntry.Type.BLOCK_DEVICE;
            case '5' -> TarEntry.Type.DIRECTORY;
            case '6' -> TarEntry.Type.FIFO;
            default -> throw new IOException("unsupported tar entry type '" + type + "' for " + name);
        };
        int mode = (int) number(h, 100, 8);
        int major = (int) number(h, 329, 8);
        int minor = (int) number(h, 337, 8);
        long contentSize = t == TarEntry.Type.FILE ? size : 0;
        remaining = size;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        return new TarEntry(name, t, mode, uid, gid, mtime, contentSize, link.isEmpty() ? null : link,
                t == TarEntry.Type.CHAR_DEVICE || t == TarEntry.Type.BLOCK_DEVICE ? major : 0,
                t == TarEntry.Type.CHAR_DEVICE || t == TarEntry.Type.BLOCK_DEVICE ? minor : 0, xattrs);
    }

    private void skipRest() throws IOException {
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private void skipFully(long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new EOFException("tar stream truncated");
            }
            n -= r;
        }
    }

    private byte[] readBody(long size) throws IOException {
        if (size > 16 * 1024 * 1024) {
            throw new IOException("tar extended header too large: " + size);
        }
        byte[] body = in.readNBytes((int) size);
        if (body.length != size) {
            throw new EOFException("tar stream truncated in an extended header");
        }
        skipFully((BLOCK - size % BLOCK) % BLOCK);
        return body;
    }

    private byte[] readBlock(boolean eofAllowed) throws IOException {
        byte[] b = in.readNBytes(BLOCK);
        if (b.length == 0 && eofAllowed) {
            return null;
        }
        if (b.length != BLOCK) {
            throw new EOFException("tar stream truncated in a header");
        }
        return b;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static void verifyChecksum(byte[] h) throws IOException {
        long stored = number(h, 148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : h[i];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("invalid tar header checksum (not a tar stream?)");
        }
    }

    static Map<String, byte[]> parsePax(byte[] body) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int pos = 0;
        while (pos < body.length) {
            int sp = pos;
            while (sp < body.length && body[sp] != ' ') {
                sp++;
            }
            if (sp >= body.length) {
                break;
            }
            int len;
            try {
                len = Integer.parseInt(new String(body, pos, sp - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("malformed pax record length");
            }
            int end = pos + len;
            if (len <= 0 || end > body.length || body[end - 1] != '\n') {
                throw new IOException("malformed pax record");
            }
            int eq = sp + 1;
            while (eq < end && body[eq] != '=') {
                eq++;
            }
            if (eq >= end) {
                throw new IOException("malformed pax record (no '=')");
            }
            String key = new String(body, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(body, eq + 1, end - 1);
            out.put(key, value);
            pos = end;
        }
        return out;
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private static String field(byte[] h, int off, int len) {
        int n = 0;
        while (n < len && h[off + n] != 0) {
            n++;
        }
        return new String(h, off, n, StandardCharsets.UTF_8);
    }

    /** An octal field, or base-256 when the high bit of the first byte is set. */
    static long number(byte[] h, int off, int len) throws IOException {
        if ((h[off] & 0x80) != 0) {
            long v = h[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                if (v > (Long.MAX_VALUE >> 8)) {
                    throw new IOException("tar number field overflows");
                }
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        boolean digits = false;
        for (int i = 0; i < len; i++) {
            int c = h[off + i];
            if (c == 0 || (c == ' ' && digits)) {
                break;
            }
            if (c == ' ') {
                continue;
            }
            if (c < '0' || c > '7') {
                throw new IOException("invalid octal number in tar header");
            }
            v = v * 8 + (c - '0');
            digits = true;
        }
        return v;
    }
}
