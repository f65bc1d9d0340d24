package dev.kiln.oci.layer;

import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.fs.DeviceNodes;
import dev.kiln.oci.fs.FileInfo;
import dev.kiln.oci.fs.FileModes;
import dev.kiln.oci.fs.FileTimes;
import dev.kiln.oci.fs.Xattrs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Applies a layer blob (gzip, zstd or plain tar, detected from its first bytes) to a directory.
 * In {@link Mode#MERGED} the target is a full root file system: whiteouts delete, an opaque
 * marker clears what the directory held before this layer. In {@link Mode#OVERLAY_DIFF} the
 * target is a fresh overlay layer dir: whiteouts become 0/0 character devices and opaque markers
 * the {@code trusted.overlay.opaque=y} xattr (both need root).
 *
 * <p>Entry names with {@code ..} or a leading {@code /} are rejected; parents are resolved
 * inside the target ({@link RootedPath}), so a symlink in the layer or already in the target
 * can never make a write land outside it. Owners (lchown), modes, mtimes (also of symlinks,
 * without following them), xattrs and hard links within the layer are restored; directory
 * mtimes are set last. Thread-safe; one call applies one layer.
 */
public final class LayerApplier {
    /** What the target directory is. */
    public enum Mode { OVERLAY_DIFF, MERGED }

    private final Mode mode;
    private final String opaqueXattr;
    private final boolean restoreOwners;

    /** An applier that restores owners and marks opaque dirs with {@code trusted.overlay.opaque}. */
    public LayerApplier(Mode mode) {
        this(mode, "trusted.overlay.opaque", true);
    }

    /** An applier that restores owners and marks opaque dirs with the given xattr name. */
    public LayerApplier(Mode mode, String opaqueXattr) {
        this(mode, opaqueXattr, true);
    }

    /**
     * @param opaqueXattr for OVERLAY_DIFF in a user namespace, {@code user.overlay.opaque}
     * @param restoreOwners false to leave every path owned by the caller (rootless, without a
     *     user namespace that maps the layer's ids)
     */
    public LayerApplier(Mode mode, String opaqueXattr, boolean restoreOwners) {
        this.mode = mode;
        this.opaqueXattr = opaqueXattr;
        this.restoreOwners = restoreOwners;
    }

    /**
     * Applies a blob from the store, checking the blob against its descriptor and the tar against
     * {@code expectedDiffId} when given. Returns the diffID of the layer. The checks complete only
     * once the whole blob has been read, so on an {@link IOException} the target holds part of
     * the layer and the caller discards it.
     */
    public Digest apply(ContentStore store, Descriptor layer, Path target, Optional<Digest> expectedDiffId)
            throws IOException {
        MessageDigest blobDigest = Digest.newSha256();
        try (InputStream raw = new DigestInputStream(store.open(layer.digestValue()), blobDigest)) {
            Digest diffId = apply(raw, target, expectedDiffId);
            raw.transferTo(OutputStream.nullOutputStream());
            Digest actual = Digest.fromSha256(blobDigest.digest());
            if (!actual.equals(layer.digestValue())) {
                throw new IOException("layer blob " + layer.digest() + " has digest " + actual);
            }
            return diffId;
        }
    }

    /**
     * Applies a directory as if it were a layer: {@code source} is turned into a tar the way
     * {@link LayerWriter} would ({@code kind} says whether it is an overlay diff or a plain tree)
     * and streamed straight into {@link #apply(InputStream, Path, Optional)}, without a temporary
     * file. Used to copy a tree with all its metadata and to replay a snapshot's changes onto
     * another tree. A failure of either side is thrown.
     */
    public void applyDirectory(Path source, LayerSource kind, Path target) throws IOException {
        try (java.io.PipedInputStream in = new java.io.PipedInputStream(1 << 20);
             java.io.PipedOutputStream out = new java.io.PipedOutputStream(in)) {
            IOException[] writeFailure = new IOException[1];
            Thread writer = Thread.ofVirtual().start(() -> {
                try (out) {
                    LayerWriter.writeTar(source, kind, Optional.empty(), out);
                } catch (IOException e) {
                    writeFailure[0] = e;
                }
            });
            try {
                apply(in, target, Optional.empty());
            } finally {
                try {
                    writer.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while copying " + source);
                }
            }
            if (writeFailure[0] != null) {
                throw writeFailure[0];
            }
        }
    }

    /** Applies a (possibly compressed) layer stream; does not close {@code blob}. Returns the diffID. */
    public Digest apply(InputStream blob, Path target, Optional<Digest> expectedDiffId) throws IOException {
        Path root = target.toRealPath();
        MessageDigest diff = Digest.newSha256();
        InputStream plain = Compression.decompressDetected(new NonClosingInputStream(blob));
        try (InputStream hashed = new DigestInputStream(plain, diff)) {
            TarStreamReader reader = new TarStreamReader(hashed);
            Session s = new Session(root);
            for (TarEntry e = reader.next(); e != null; e = reader.next()) {
                s.apply(e, reader);
            }
            s.finishDirectories();
            hashed.transferTo(OutputStream.nullOutputStream());
        }
        Digest diffId = Digest.fromSha256(diff.digest());
        if (expectedDiffId.isPresent() && !expectedDiffId.get().equals(diffId)) {
            throw new IOException("layer diffID mismatch: expected " + expectedDiffId.get() + ", got " + diffId);
        }
        return diffId;
    }

    /** The state of one application: paths this layer wrote and directory mtimes to set at the end. */
    private final class Session {
        private final Path root;
        private final Set<Path> written = new HashSet<>();
        private final List<Path> dirs = new ArrayList<>();
        private final List<Instant> dirTimes = new ArrayList<>();
        /** The last parent resolved (sorted layers keep siblings together); dropped whenever links or deletions could change it. */
        private List<String> cachedParentElements;
        private Path cachedParent;

        Session(Path root) {
            this.root = root;
        }

        void apply(TarEntry e, TarStreamReader reader) throws IOException {
            List<String> elements = RootedPath.elements(e.name());
            if (elements.isEmpty()) {
                return;
            }
            List<String> parentElements = elements.subList(0, elements.size() - 1);
            Path parent;
            if (cachedParent != null && parentElements.equals(cachedParentElements)) {
                parent = cachedParent;
            } else {
                parent = RootedPath.parentDirectory(root, elements, written::add);
                cachedParentElements = List.copyOf(parentElements);
                cachedParent = parent;
            }
            String base = elements.getLast();
            if (base.equals(LayerTarEncoder.OPAQUE_MARKER)) {
                opaque(parent);
                return;
            }
            if (base.startsWith(LayerTarEncoder.WHITEOUT_PREFIX)) {
                String victim = base.substring(LayerTarEncoder.WHITEOUT_PREFIX.length());
                if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
                    throw new IOException("unsafe path in layer (whiteout of " + (victim.isEmpty() ? "nothing" : victim)
                            + "): " + e.name());
                }
                whiteout(parent.resolve(victim));
                return;
            }
            Path path = parent.resolve(base);
            written.add(path);
            boolean exists = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
            if (exists && !(e.type() == TarEntry.Type.DIRECTORY && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))) {
                cachedParent = null;
                deleteTree(path);
            }
            switch (e.type()) {
                case DIRECTORY -> {
                    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createDirectory(path);
                    }
                }
                case FILE -> {
                    try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        reader.content().transferTo(out);
                    }
                }
                case SYMLINK -> {
                    Files.createSymbolicLink(path, Path.of(e.linkName()));
                    cachedParent = null;
                }
                case HARDLINK -> {
                    List<String> linkElements = RootedPath.elements(e.linkName());
                    if (linkElements.isEmpty()) {
                        throw new IOException("hard link to the root: " + e.name());
                    }
                    Path source = RootedPath.resolveDirectory(root, linkElements.subList(0, linkElements.size() - 1))
                            .resolve(linkElements.getLast());
                    if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException("hard link " + e.name() + " to missing " + e.linkName());
                    }
                    Files.createLink(path, source);
                    return;
                }
                case CHAR_DEVICE -> DeviceNodes.createCharDevice(path, e.mode(), e.devMajor(), e.devMinor());
                case BLOCK_DEVICE -> DeviceNodes.createBlockDevice(path, e.mode(), e.devMajor(), e.devMinor());
                case FIFO -> DeviceNodes.createFifo(path, e.mode());
            }
            setMetadata(path, e);
        }

        private void setMetadata(Path path, TarEntry e) throws IOException {
            if (restoreOwners) {
                Files.setAttribute(path, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            if (e.type() != TarEntry.Type.SYMLINK) {
                FileModes.chmod(path, e.mode());
            }
            for (var x : e.xattrs().entrySet()) {
                if (LayerTarEncoder.keepXattr(x.getKey())) {
                    Xattrs.set(path, x.getKey(), x.getValue());
                }
            }
            Instant t = Instant.ofEpochSecond(e.mtimeSeconds());
            if (e.type() == TarEntry.Type.DIRECTORY) {
                dirs.add(path);
                dirTimes.add(t);
            } else {
                FileTimes.set(path, t);
            }
        }

        private void whiteout(Path victim) throws IOException {
            cachedParent = null;
            if (mode == Mode.OVERLAY_DIFF) {
                if (Files.exists(victim, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(victim);
                }
                DeviceNodes.createWhiteout(victim);
                written.add(victim);
            } else if (!written.contains(victim) && Files.exists(victim, LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(victim);
            }
        }

        private void opaque(Path dir) throws IOException {
            cachedParent = null;
            if (mode == Mode.OVERLAY_DIFF) {
                Xattrs.set(dir, opaqueXattr, "y".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            clearEarlier(dir);
        }

        /** Deletes what {@code dir} held before this layer, keeping what this layer wrote. */
        private void clearEarlier(Path dir) throws IOException {
            for (String name : LayerTarEncoder.sortedNames(dir)) {
                Path child = dir.resolve(name);
                if (!written.contains(child)) {
                    deleteTree(child);
                } else if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                    clearEarlier(child);
                }
            }
        }

        void finishDirectories() throws IOException {
            for (int i = dirs.size() - 1; i >= 0; i--) {
                FileTimes.set(dirs.get(i), dirTimes.get(i));
            }
        }
    }

    /** Deletes a path and, if it is a directory (not a symlink to one), everything under it. */
    static void deleteTree(Path path) throws IOException {
        if (FileInfo.of(path).isDirectory()) {
            for (String name : LayerTarEncoder.sortedNames(path)) {
                deleteTree(path.resolve(name));
            }
        }
        Files.delete(path);
    }

    /** Lets a decompressor be closed without closing the caller's stream. */
    private static final class NonClosingInputStream extends java.io.FilterInputStream {
        NonClosingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
