package dev.kiln.oci;

import dev.kiln.common.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.UUID;

/**
 * A {@link ContentStore} on the file system in the OCI layout's shape:
 * {@code ROOT/blobs/sha256/HEX}, with in-progress writes under {@code ROOT/ingest/} that are
 * renamed into place on commit. Leftover ingest files (from a crash) are removed on open.
 */
public final class FileContentStore implements ContentStore {
    private final Path root;
    private final Path ingest;

    public FileContentStore(Path root) throws IOException {
        this.root = root;
        this.ingest = root.resolve("ingest");
        Files.createDirectories(root.resolve("blobs").resolve("sha256"));
        Files.createDirectories(ingest);
        try (var leftovers = Files.list(ingest)) {
            for (Path p : (Iterable<Path>) leftovers::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path root() {
        return root;
    }

    private Path blobPath(Digest d) {
        return root.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    @Override
    public boolean exists(Digest digest) {
        return Files.isRegularFile(blobPath(digest));
    }

    @Override
    public Optional<Long> size(Digest digest) {
        try {
            return Optional.of(Files.size(blobPath(digest)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(Digest digest) throws IOException {
        try {
            return Files.newInputStream(blobPath(digest));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException("blob " + digest + " is not in the content store");
        }
    }

    @Override
    public Path path(Digest digest) throws IOException {
        Path p = blobPath(digest);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException("blob " + digest + " is not in the content store");
        }
        return p;
    }

    @Override
    public byte[] readAll(Digest digest) throws IOException {
        try (InputStream in = open(digest)) {
            return in.readAllBytes();
        }
    }

    @Override
    public Digest write(byte[] data) throws IOException {
        try (Writer w = writer()) {
            w.stream().write(data);
            return w.commit(Optional.empty());
        }
    }

    @Override
    public Writer writer() throws IOException {
        Path tmp = ingest.resolve(UUID.randomUUID().toString());
        return new FileWriter(tmp);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        Files.deleteIfExists(blobPath(digest));
    }

    private final class FileWriter implements Writer {
        private final Path tmp;
        private final MessageDigest md = Digest.newSha256();
        private final OutputStream out;
        private long written;
        private boolean done;

        FileWriter(Path tmp) throws IOException {
            this.tmp = tmp;
            OutputStream file = Files.newOutputStream(tmp);
            this.out = new FilterOutputStream(file) {
                @Override
                public void write(int b) throws IOException {
                    file.write(b);
                    md.update((byte) b);
                    written++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    file.write(b, off, len);
                    md.update(b, off, len);
                    written += len;
                }
            };
        }

        @Override
        public OutputStream stream() {
            return out;
        }

        @Override
        public long written() {
            return written;
        }

        @Override
        public Digest commit(Optional<Digest> expected) throws IOException {
            out.close();
            Digest actual = Digest.fromSha256(md.digest());
            done = true;
            if (expected.isPresent() && !expected.get().equals(actual)) {
                Files.deleteIfExists(tmp);
                throw new ContentMismatchException(expected.get(), actual);
            }
            Path target = blobPath(actual);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return actual;
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                out.close();
                Files.deleteIfExists(tmp);
                done = true;
            }
        }
    }
}
