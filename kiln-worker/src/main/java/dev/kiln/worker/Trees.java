package dev.kiln.worker;

import dev.kiln.common.KilnException;
import dev.kiln.snapshot.Mount;
import dev.kiln.snapshot.Mounter;
import dev.kiln.snapshot.Snapshotter;
import dev.kiln.solver.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Makes results visible as directories: read-only views of committed snapshots, and writable
 * active snapshots that a step fills and then commits. Owns the mount points under
 * {@code STATE/mounts}; every mount it makes is undone by the matching close.
 */
final class Trees {
    private final Snapshotter snapshotter;
    private final Mounter mounter;
    private final Path mountRoot;
    private final LocalDirs localDirs;

    Trees(Snapshotter snapshotter, Mounter mounter, Path mountRoot, LocalDirs localDirs) throws IOException {
        this.snapshotter = snapshotter;
        this.mounter = mounter;
        this.mountRoot = mountRoot;
        this.localDirs = localDirs;
        Files.createDirectories(mountRoot);
    }

    Snapshotter snapshotter() {
        return snapshotter;
    }

    /** Opens a read-only view of a result. */
    MountedTree view(Result r) throws IOException {
        if (Refs.isLocal(r)) {
            return localDirs.open(r);
        }
        Path dir = Files.createDirectories(mountRoot.resolve("v-" + UUID.randomUUID()));
        Optional<String> snap = Refs.snapshotName(r);
        if (snap.isEmpty()) {
            return new PlainTree(dir);
        }
        String key = "view-" + UUID.randomUUID();
        try {
            List<Mount> mounts = snapshotter.view(key, snap);
            mounter.mount(mounts, dir);
        } catch (RuntimeException e) {
            cleanupQuietly(key, dir, false);
            throw new KilnException("cannot mount snapshot " + snap.get() + ": " + e.getMessage(), e);
        }
        return new MountedView(key, dir);
    }

    /** Prepares a writable tree on top of {@code base} (empty for {@link Result#EMPTY}). */
    ActiveTree prepare(Result base) throws IOException {
        if (Refs.isLocal(base)) {
            throw new IllegalArgumentException("a client directory cannot be the base of a step");
        }
        String key = "active-" + UUID.randomUUID();
        Path dir = Files.createDirectories(mountRoot.resolve("a-" + UUID.randomUUID()));
        try {
            List<Mount> mounts = snapshotter.prepare(key, Refs.snapshotName(base));
            mounter.mount(mounts, dir);
        } catch (RuntimeException e) {
            cleanupQuietly(key, dir, false);
            throw new KilnException("cannot prepare a snapshot: " + e.getMessage(), e);
        }
        return new ActiveTree(key, dir);
    }

    /** The layer dirs of a snapshot's parents, nearest first. */
    private List<Path> lowerDiffDirs(String key) {
        List<Path> out = new java.util.ArrayList<>();
        Optional<String> cur = snapshotter.stat(key).flatMap(dev.kiln.snapshot.Info::parent);
        while (cur.isPresent()) {
            String name = cur.get();
            out.add(snapshotter.layerDir(name));
            cur = snapshotter.stat(name).flatMap(dev.kiln.snapshot.Info::parent);
        }
        return out;
    }

    private void cleanupQuietly(String key, Path dir, boolean mounted) {
        if (mounted) {
            try {
                mounter.unmount(dir);
            } catch (RuntimeException e) {
                // best effort: the mount point stays and is found by the next start's sweep
            }
        }
        try {
            if (snapshotter.stat(key).isPresent()) {
                snapshotter.remove(key);
            }
        } catch (RuntimeException e) {
            // an active snapshot left behind is removed by the next start's sweep
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // as above
        }
    }

    private record PlainTree(Path root) implements MountedTree {
        @Override
        public void close() {
            try {
                Files.deleteIfExists(root);
            } catch (IOException e) {
                // an empty directory under mounts/ is harmless
            }
        }
    }

    private final class MountedView implements MountedTree {
        private final String key;
        private final Path dir;

        MountedView(String key, Path dir) {
            this.key = key;
            this.dir = dir;
        }

        @Override
        public Path root() {
            return dir;
        }

        @Override
        public void close() {
            cleanupQuietly(key, dir, true);
        }
    }

    /**
     * A writable tree: write into {@link #root()}, then {@link #commit} it into a new
     * snapshot or {@link #close} it to throw it away.
     */
    final class ActiveTree implements MountedTree {
        private final String key;
        private final Path dir;
        private boolean mounted = true;
        private boolean done;

        ActiveTree(String key, Path dir) {
            this.key = key;
            this.dir = dir;
        }

        @Override
        public Path root() {
            return dir;
        }

        /**
         * Unmounts, drops directories overlayfs copied up without a change ({@link CopyUpPruner};
         * only where the snapshot's dir is an upper dir — a copying snapshotter's layer never has
         * them), and commits; returns the committed snapshot's result.
         */
        Result commit() {
            mounter.unmount(dir);
            mounted = false;
            try {
                if (snapshotter.layout() == Snapshotter.Layout.CHANGES) {
                    CopyUpPruner.prune(snapshotter.diffDir(key), lowerDiffDirs(key));
                }
            } catch (IOException e) {
                throw new KilnException("cannot finish snapshot " + key + ": " + e.getMessage(), e);
            }
            String name = "s-" + UUID.randomUUID();
            snapshotter.commit(name, key);
            done = true;
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // harmless leftover mount point
            }
            return Refs.snapshot(name);
        }

        @Override
        public void close() {
            if (!done) {
                cleanupQuietly(key, dir, mounted);
                done = true;
            }
        }
    }
}
