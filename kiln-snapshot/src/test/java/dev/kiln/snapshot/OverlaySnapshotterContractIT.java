package dev.kiln.snapshot;

import java.nio.file.Path;

class OverlaySnapshotterContractIT extends SnapshotterContract {

    @Override
    Snapshotter open(Path root) {
        return new OverlaySnapshotter(root);
    }
}
