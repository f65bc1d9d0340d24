package dev.kiln.snapshot;

import java.nio.file.Path;

class NativeSnapshotterContractIT extends SnapshotterContract {

    @Override
    Snapshotter open(Path root) {
        return new NativeSnapshotter(root);
    }
}
