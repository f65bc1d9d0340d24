package dev.kiln.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds out whether {@link OverlaySnapshotter} can work here, by doing what it does on a tiny scale:
 * in a fresh directory under the given one (so on the file system that will hold the snapshots),
 * mounts an overlay with the options this process's snapshots use ({@link OverlaySnapshotter#diffOptions()},
 * {@code userxattr} in a user namespace), writes a file, deletes a lower file and makes a lower
 * directory again, unmounts, and checks that the upper dir holds the file, a whiteout and an opaque
 * directory. Everything is removed afterwards. Stateless; a probe takes a few milliseconds.
 */
public final class OverlayProbe {
    private OverlayProbe() {}

    /**
     * What keeps overlayfs from working under {@code parent} (a short reason, e.g. the mount's
     * error text), or empty when it works.
     */
    public static Optional<String> problem(Path parent) {
        return problem(parent, new Mounter());
    }

    static Optional<String> problem(Path parent, Mounter mounter) {
        Path dir = parent.resolve("overlay-probe-" + UUID.randomUUID());
        boolean mounted = false;
        Path merged = dir.resolve("merged");
        try {
            Path lower = Files.createDirectories(dir.resolve("lower"));
            Path upper = Files.createDirectories(dir.resolve("upper"));
            Path work = Files.createDirectories(dir.resolve("work"));
            Files.createDirectories(merged);
            Files.writeString(lower.resolve("gone"), "x");
            Files.createDirectories(lower.resolve("remade"));
            Files.writeString(lower.resolve("remade").resolve("old"), "x");
            List<String> options = new ArrayList<>(OverlaySnapshotter.diffOptions());
            options.add("lowerdir=" + lower);
            options.add("upperdir=" + upper);
            options.add("workdir=" + work);
            try {
                mounter.mount(List.of(new Mount("overlay", "overlay", options)), merged);
            } catch (RuntimeException e) {
                return Optional.of("mounting an overlay failed: " + e.getMessage());
            }
            mounted = true;
            Files.writeString(merged.resolve("new"), "x");
            Files.delete(merged.resolve("gone"));
            Files.delete(merged.resolve("remade").resolve("old"));
            Files.delete(merged.resolve("remade"));
            Files.createDirectory(merged.resolve("remade"));
            mounter.unmount(merged);
            mounted = false;
            if (!Files.isRegularFile(upper.resolve("new"))) {
                return Optional.of("a file written into an overlay did not reach its upper dir");
            }
            if (!OverlayMarkers.isWhiteout(upper.resolve("gone"))) {
                return Optional.of("overlayfs did not record a deletion as a whiteout");
            }
            if (!OverlayMarkers.isOpaque(upper.resolve("remade"))) {
                return Optional.of("overlayfs did not mark a re-made directory opaque with " + OverlayMarkers.opaqueXattr());
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of("an overlay did not work: " + e.getMessage());
        } finally {
            if (mounted) {
                try {
                    mounter.unmount(merged);
                } catch (RuntimeException e) {
                    // left mounted: the directory below stays, and is named as a probe
                }
            }
            try {
                DirectorySnapshotter.deleteTree(dir);
            } catch (RuntimeException e) {
                // a leftover probe directory is harmless
            }
        }
    }
}
