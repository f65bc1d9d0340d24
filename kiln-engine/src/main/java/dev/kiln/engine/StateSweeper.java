package dev.kiln.engine;

import dev.kiln.snapshot.Info;
import dev.kiln.snapshot.Mounter;
import dev.kiln.snapshot.Snapshotter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Cleans what a killed process left in the state dir before an engine uses it: mounts under
 * {@code mounts/} are unmounted and removed, an interrupted overlay probe's directory is removed,
 * and active snapshots (never committed, so never referenced by a cache record) are deleted. Runs with the state lock held, so nothing else
 * is using them.
 */
final class StateSweeper {
    private StateSweeper() {}

    static void sweep(Path state, Snapshotter snapshotter) throws IOException {
        sweep(state, snapshotter, "runc");
    }

    /**
     * As {@link #sweep(Path, Snapshotter)}, first deleting containers that a killed process left
     * running under {@code runtime} (their {@code runc run} parent outlives a SIGKILL of Kiln and
     * keeps writing into a snapshot that is about to be removed), and their bundles.
     */
    static void sweep(Path state, Snapshotter snapshotter, String runtime) throws IOException {
        sweepContainers(state.resolve("runc"), runtime);
        Path mounts = state.resolve("mounts");
        if (Files.isDirectory(mounts)) {
            Mounter mounter = new Mounter();
            List<Path> dirs;
            try (var s = Files.list(mounts)) {
                dirs = s.toList();
            }
            for (Path d : dirs) {
                try {
                    mounter.unmount(d);
                } catch (RuntimeException e) {
                    // not mounted
                }
                try {
                    Files.deleteIfExists(d);
                } catch (IOException e) {
                    // a directory still holding files was not a mount point of ours; leave it
                }
            }
        }
        sweepOverlayProbes(state.resolve("snapshots"));
        for (Info i : snapshotter.list()) {
            if (i.kind() != Info.Kind.COMMITTED) {
                try {
                    snapshotter.remove(i.name());
                } catch (RuntimeException e) {
                    // removed by the next sweep
                }
            }
        }
    }

    /** Unmounts and deletes what an overlay probe ({@link dev.kiln.snapshot.OverlayProbe}) killed midway left. */
    static void sweepOverlayProbes(Path snapshotRoot) throws IOException {
        if (!Files.isDirectory(snapshotRoot)) {
            return;
        }
        List<Path> probes;
        try (var s = Files.list(snapshotRoot)) {
            probes = s.filter(p -> p.getFileName().toString().startsWith("overlay-probe-")).toList();
        }
        Mounter mounter = new Mounter();
        for (Path p : probes) {
            try {
                mounter.unmount(p.resolve("merged"));
            } catch (RuntimeException e) {
                // not mounted
            }
            dev.kiln.common.files.FileTrees.deleteRecursively(p);
        }
    }

    /** Force-deletes every container in the runtime's state root, then the bundles they ran from. */
    static void sweepContainers(Path executorState, String runtime) throws IOException {
        Path runtimeRoot = executorState.resolve("runtime");
        if (Files.isDirectory(runtimeRoot)) {
            List<Path> containers;
            try (var s = Files.list(runtimeRoot)) {
                containers = s.filter(Files::isDirectory).toList();
            }
            for (Path c : containers) {
                runQuietly(List.of(runtime, "--root", runtimeRoot.toString(), "delete", "--force",
                        c.getFileName().toString()));
            }
        }
        Path bundles = executorState.resolve("bundles");
        if (Files.isDirectory(bundles)) {
            List<Path> dirs;
            try (var s = Files.list(bundles)) {
                dirs = s.toList();
            }
            for (Path d : dirs) {
                dev.kiln.common.files.FileTrees.deleteRecursively(d);
            }
        }
    }

    private static void runQuietly(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // no runtime binary: no containers of ours can exist
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
