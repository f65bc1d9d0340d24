package dev.kiln.oci.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Read access to the members of an image archive by path, whether it is a directory (an OCI
 * layout directory) or an uncompressed tar file read with random access (commons-compress
 * {@link TarFile}). In a tar, {@code ./} prefixes are ignored and symlinks and hard links
 * between members (older {@code docker save} links duplicate layers) are followed. Closing
 * releases the tar file.
 */
abstract sealed class ArchiveFiles implements AutoCloseable {
    /** Opens a directory or a tar file. */
    static ArchiveFiles open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new Directory(path);
        }
        return new Tar(path);
    }

    abstract boolean exists(String name);

    /** The member's size, or empty when absent. */
    abstract Optional<Long> size(String name) throws IOException;

    abstract InputStream open(String name) throws IOException;

    byte[] readAll(String name, int limit) throws IOException {
        long size = size(name).orElseThrow(() -> new NoSuchFileException(name + " is not in the archive"));
        if (size > limit) {
            throw new IOException(name + " in the archive is too large (" + size + " bytes)");
        }
        try (InputStream in = open(name)) {
            return in.readAllBytes();
        }
    }

    @Override
    public abstract void close() throws IOException;

    static String normalise(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    static final class Directory extends ArchiveFiles {
        private final Path root;

        Directory(Path root) {
            this.root = root;
        }

        private Path file(String name) throws IOException {
            String n = normalise(name);
            for (String part : n.split("/")) {
                if (part.equals("..")) {
                    throw new IOException("unsafe path in OCI layout: " + name);
                }
            }
            return root.resolve(n);
        }

        @Override
        boolean exists(String name) {
            try {
                return Files.isRegularFile(file(name));
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        Optional<Long> size(String name) throws IOException {
            Path f = file(name);
            return Files.isRegularFile(f) ? Optional.of(Files.size(f)) : Optional.empty();
        }

        @Override
        InputStream open(String name) throws IOException {
            return Files.newInputStream(file(name), LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public void close() {
        }
    }

    static final class Tar extends ArchiveFiles {
        private final TarFile tar;
        private final Map<String, TarArchiveEntry> entries = new HashMap<>();

        Tar(Path path) throws IOException {
            try {
                this.tar = new TarFile(path);
            } catch (IOException | IllegalArgumentException e) {
                throw new IOException(path + " is not a tar archive: " + e.getMessage(), e);
            }
            for (TarArchiveEntry e : tar.getEntries()) {
                entries.put(normalise(e.getName()), e);
            }
        }

        /** The regular-file entry a name leads to, following links between members. */
        private TarArchiveEntry resolve(String name) {
            String n = normalise(name);
            for (int hops = 0; hops < 16; hops++) {
                TarArchiveEntry e = entries.get(n);
                if (e == null) {
                    return null;
                }
                if (e.isSymbolicLink()) {
                    int slash = n.lastIndexOf('/');
                    String base = slash < 0 ? "" : n.substring(0, slash);
                    n = normalise(Path.of("/" + base).resolve(e.getLinkName()).normalize().toString());
                } else if (e.isLink()) {
                    n = normalise(e.getLinkName());
                } else {
                    return e.isFile() ? e : null;
                }
            }
            return null;
        }

        @Override
        boolean exists(String name) {
            return resolve(name) != null;
        }

        @Override
        Optional<Long> size(String name) {
            TarArchiveEntry e = resolve(name);
            return e == null ? Optional.empty() : Optional.of(e.getSize());
        }

        @Override
        InputStream open(String name) throws IOException {
            TarArchiveEntry e = resolve(name);
            if (e == null) {
                throw new NoSuchFileException(name + " is not in the archive");
            }
            return tar.getInputStream(e);
        }

        @Override
        public void close() throws IOException {
            tar.close();
        }
    }
}
