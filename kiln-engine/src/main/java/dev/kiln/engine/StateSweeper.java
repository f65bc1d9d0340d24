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
 * {@code mounts/} are unmounted and removed, and active snapshots (never committed, so never
 * referenced by a cache record) are deleted. Runs with the state lock held, so nothing else
 * is using them.
 */
final class StateSweeper {
    private StateSweeper() {}

    static void sweep(Path state, Snapshotter snapshotter) throws IOException {
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
}
