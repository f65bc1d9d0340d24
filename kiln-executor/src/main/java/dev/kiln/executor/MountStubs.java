package dev.kiln.executor;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * Removes the mount points a runtime creates in a rootfs, as BuildKit's mount-stub cleaner does: a
 * mount onto a path missing from the image makes runc create an empty file or directory there (and
 * any missing parents), which would otherwise end up in the layer.
 *
 * <p>{@link #record} runs before the container starts and notes, for each mount destination, every
 * path component that does not exist yet. {@link #clean} runs after the container is deleted and
 * removes those paths, deepest first, but only while they are still empty files or empty
 * directories: anything the process put there itself is kept. Like BuildKit, it then restores the
 * modification and access times of the existing directory each stub was created in, so that the
 * directory compares equal to the image's. On overlay the directory itself stays copied up in the
 * upper dir (overlayfs cannot undo a copy-up); a layer differ should skip upper directories whose
 * metadata equals the lower one's and that hold no changes, as BuildKit's overlay differ does.
 */
final class MountStubs {

    private final Path rootfs;
    private final List<Path> missing;
    private final Map<Path, FileTime[]> parentTimes;

    private MountStubs(Path rootfs, List<Path> missing, Map<Path, FileTime[]> parentTimes) {
        this.rootfs = rootfs;
        this.missing = missing;
        this.parentTimes = parentTimes;
    }

    /** Notes which components of each destination are missing from {@code rootfs} now. */
    static MountStubs record(Path rootfs, List<String> destinations) throws IOException {
        Set<Path> missing = new LinkedHashSet<>();
        Map<Path, FileTime[]> parentTimes = new LinkedHashMap<>();
        for (String destination : destinations) {
            StringBuilder prefix = new StringBuilder();
            for (String part : destination.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                prefix.append('/').append(part);
                Path host = RootfsPath.resolve(rootfs, prefix.toString());
                if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
                    Path parent = host.getParent();
                    if (missing.add(host) && parent != null && parent.startsWith(rootfs)
                            && !missing.contains(parent) && !parentTimes.containsKey(parent)) {
                        BasicFileAttributes a = Files.readAttributes(parent, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        parentTimes.put(parent, new FileTime[] {a.lastModifiedTime(), a.lastAccessTime()});
                    }
                }
            }
        }
        return new MountStubs(rootfs, new ArrayList<>(missing), parentTimes);
    }

    /** The host paths found missing, in the order noted. */
    List<Path> missing() {
        return List.copyOf(missing);
    }

    /** Removes the noted paths that are now empty files or empty directories, deepest first. */
    void clean() throws IOException {
        List<Path> ordered = new ArrayList<>(missing);
        ordered.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        for (Path p : ordered) {
            if (!p.startsWith(rootfs) || p.equals(rootfs)) {
                continue;
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException kept) {
                    // the process wrote into it: keep it
                }
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0) {
                Files.deleteIfExists(p);
            }
        }
        for (Map.Entry<Path, FileTime[]> e : parentTimes.entrySet()) {
            if (Files.isDirectory(e.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                Files.getFileAttributeView(e.getKey(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(e.getValue()[0], e.getValue()[1], null);
            }
        }
    }
}
