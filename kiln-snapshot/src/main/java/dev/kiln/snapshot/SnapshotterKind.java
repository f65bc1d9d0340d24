package dev.kiln.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * The snapshotter implementations, and which one a snapshot root was made with. The first
 * snapshotter to open a root records its kind in {@code root/kind}; a root is only ever opened by
 * that kind again, since an overlay root holds diffs and a native one whole trees. A root made
 * before the file existed, which already has metadata, counts as {@link #OVERLAY} (the only kind
 * there was). Stateless.
 */
public enum SnapshotterKind {
    /** {@link OverlaySnapshotter}: overlayfs, layers are upper dirs. */
    OVERLAY,
    /** {@link NativeSnapshotter}: copies of the parent tree, layers computed by comparison. */
    NATIVE;

    private static final String FILE = "kind";

    /** The lower-case name users write ({@code overlay}, {@code native}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code overlay} or {@code native} (any case); anything else is an {@link IllegalArgumentException}. */
    public static SnapshotterKind parse(String id) {
        for (SnapshotterKind k : values()) {
            if (k.id().equalsIgnoreCase(id.strip())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown snapshotter \"" + id + "\" (expected overlay or native)");
    }

    /** Opens (creating if needed) a snapshotter of this kind over {@code root}. */
    public Snapshotter open(Path root) {
        return switch (this) {
            case OVERLAY -> new OverlaySnapshotter(root);
            case NATIVE -> new NativeSnapshotter(root);
        };
    }

    /** The kind {@code root} was made with, or empty for a root never opened (or missing). */
    public static Optional<SnapshotterKind> recordedIn(Path root) {
        try {
            String text = Files.readString(root.resolve(FILE), StandardCharsets.UTF_8).strip();
            return Optional.of(parse(text));
        } catch (NoSuchFileException e) {
            return Files.exists(root.resolve("metadata")) ? Optional.of(OVERLAY) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root.resolve(FILE), e);
        } catch (IllegalArgumentException e) {
            throw new SnapshotException("snapshot root " + root + " records " + e.getMessage());
        }
    }

    /**
     * Records this kind in {@code root} (temp file then rename), or fails with a
     * {@link SnapshotException} naming both kinds when the root was made with the other one.
     */
    void claim(Path root) {
        Optional<SnapshotterKind> recorded = recordedIn(root);
        if (recorded.isPresent() && recorded.get() != this) {
            throw new SnapshotException("snapshot root " + root + " was made by the " + recorded.get().id()
                    + " snapshotter and cannot be opened with the " + id() + " snapshotter");
        }
        Path file = root.resolve(FILE);
        if (recorded.isPresent() && Files.exists(file)) {
            return;
        }
        try {
            Path tmp = root.resolve(FILE + ".tmp");
            Files.writeString(tmp, id() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the snapshotter kind in " + file, e);
        }
    }
}
