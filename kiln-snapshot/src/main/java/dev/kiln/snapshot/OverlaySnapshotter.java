package dev.kiln.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A {@link Snapshotter} on overlayfs, after containerd's overlay snapshotter and Docker's overlay2.
 *
 * <p>Layout under {@code root}: {@code snapshots/<id>/fs} is a snapshot's own diff (the overlay upper
 * dir of an active snapshot, a lower dir once committed), {@code snapshots/<id>/work} the overlay
 * work dir of an active snapshot, {@code l/<short>} a short symlink to {@code ../snapshots/<id>/fs},
 * {@code metadata} the {@link SnapshotTable} and {@code lock} the instance lock. Metadata survives
 * restarts: a new instance over the same root sees every snapshot, and a crash never leaves a
 * half-made committed snapshot because {@link #commit} is a single atomic metadata rename.
 *
 * <p>Mounts returned:
 * <ul>
 *   <li>active, no parent: a bind mount of its {@code fs} ({@code rbind,rw});</li>
 *   <li>active with parents: {@code overlay} with
 *       {@code index=off,redirect_dir=off,metacopy=off,workdir=…,upperdir=…,lowerdir=…} — with the
 *       index, redirects and metacopy off (all three are accepted by the 6.x kernels here) a renamed
 *       directory is copied up whole and a chmod copies the data, so the upper dir stays a plain diff:
 *       new and changed files, 0/0 character devices for deletions and {@code trusted.overlay.opaque=y}
 *       on directories that replace a lower one;</li>
 *   <li>view with no parent or one parent: a read-only bind mount (overlayfs refuses a single lower
 *       dir without an upper);</li>
 *   <li>view with two or more parents: a read-only overlay of the lower dirs only.</li>
 * </ul>
 *
 * <p><b>The one-page limit.</b> mount(2) passes the options in one page (4096 bytes), so a
 * {@code lowerdir=} list of full snapshot paths overflows after some 20-30 layers. As Docker's
 * overlay2 does, each snapshot gets a short symlink {@code root/l/<id in base 36>}, and the lowerdir
 * list names those ({@code /var/lib/kiln/l/2s:/var/lib/kiln/l/2r:…}); each layer then costs
 * {@code length(root) + 5} bytes or so, which leaves room for more than 100 layers under a root of
 * 30 characters. The links are absolute, not relative, because a relative lowerdir is resolved
 * against the mounting process's working directory, which a JVM cannot change for one thread only.
 * Beyond a page, {@link Mounter} switches to the new mount API ({@code fsconfig lowerdir+}), which
 * takes one layer per call; the kernel's own limit of 500 layers remains.
 *
 * <p>In a user namespace (rootless) overlays are mounted with {@code userxattr}, so opaque
 * directories carry {@code user.overlay.opaque=y} ({@link OverlayMarkers#opaqueXattr()}).
 *
 * <p>A base-image layer can be imported without mounting: {@code prepare}, write into
 * {@link #diffDir} directly (whiteouts as 0/0 character devices), {@code commit}
 * ({@link Layout#CHANGES}); a committed snapshot's {@link #layerDir} is its {@code fs} itself.
 *
 * <p>The root path must not contain {@code ,} {@code :} or {@code \}, which the overlay option
 * syntax would need escaped. Thread-safe; one instance per root (see {@link DirectorySnapshotter}).
 */
public final class OverlaySnapshotter extends DirectorySnapshotter {

    /** Options that keep the upper dir a plain diff. */
    public static final List<String> DIFF_OPTIONS = List.of("index=off", "redirect_dir=off", "metacopy=off");

    /** In a user namespace: overlayfs refuses userxattr with redirects followed, so they are neither made nor followed. */
    public static final List<String> USER_NAMESPACE_DIFF_OPTIONS = List.of("index=off", "redirect_dir=nofollow",
            "metacopy=off", "userxattr");

    private final Path linksDir;

    /** The options that keep an upper dir a plain diff in this process's user namespace. */
    public static List<String> diffOptions() {
        return UserNamespace.current() ? USER_NAMESPACE_DIFF_OPTIONS : DIFF_OPTIONS;
    }

    /** Opens (creating if needed) the snapshot state under {@code root} and removes crash leftovers. */
    public OverlaySnapshotter(Path root) {
        super(checkRoot(root), SnapshotterKind.OVERLAY);
        linksDir = this.root.resolve("l");
        try {
            Files.createDirectories(linksDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + linksDir, e);
        }
        removeOrphans();
        removeDanglingLinks();
    }

    /** Only the changes: {@link #diffDir} is the overlay upper dir. */
    @Override
    public Layout layout() {
        return Layout.CHANGES;
    }

    /** The committed snapshot's own dir, which is already in overlay form. */
    @Override
    public Path layerDir(String name) {
        return dirOf(committed(name)).resolve("fs");
    }

    private static Path checkRoot(Path root) {
        String s = root.toAbsolutePath().normalize().toString();
        if (s.contains(",") || s.contains(":") || s.contains("\\")) {
            throw new IllegalArgumentException("overlay snapshot root must not contain ',' ':' or '\\': " + s);
        }
        return root;
    }

    @Override
    protected void populate(SnapshotRecord record, Path dir, List<SnapshotRecord> parents) throws IOException {
        if (record.kind() == Info.Kind.ACTIVE) {
            Files.createDirectories(dir.resolve("work"));
        }
        Path link = linkOf(record);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, linksDir.relativize(dir.resolve("fs")));
    }

    @Override
    protected List<Mount> mountsFor(SnapshotRecord record, List<SnapshotRecord> parents) {
        Path dir = dirOf(record);
        boolean active = record.kind() == Info.Kind.ACTIVE;
        if (parents.isEmpty()) {
            return List.of(new Mount("bind", dir.resolve("fs").toString(), List.of(active ? "rw" : "ro", "rbind")));
        }
        if (!active && parents.size() == 1) {
            return List.of(new Mount("bind", dirOf(parents.getFirst()).resolve("fs").toString(), List.of("ro", "rbind")));
        }
        List<String> options = new ArrayList<>(diffOptions());
        if (active) {
            options.add("workdir=" + dir.resolve("work"));
            options.add("upperdir=" + dir.resolve("fs"));
        }
        StringBuilder lower = new StringBuilder("lowerdir=");
        for (int i = 0; i < parents.size(); i++) {
            if (i > 0) {
                lower.append(':');
            }
            lower.append(linkOf(parents.get(i)));
        }
        options.add(lower.toString());
        return List.of(new Mount("overlay", "overlay", options));
    }

    @Override
    protected void afterRemove(SnapshotRecord record) throws IOException {
        Files.deleteIfExists(linkOf(record));
    }

    private Path linkOf(SnapshotRecord record) {
        return linksDir.resolve(Long.toString(record.id(), 36));
    }

    /** Deletes entries of {@code l/} that are not symlinks to an existing snapshot (left by a crash). */
    private void removeDanglingLinks() {
        try (Stream<Path> links = Files.list(linksDir)) {
            for (Path link : links.toList()) {
                if (!Files.isSymbolicLink(link) || !Files.exists(link)) {
                    Files.deleteIfExists(link);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + linksDir, e);
        }
    }
}
