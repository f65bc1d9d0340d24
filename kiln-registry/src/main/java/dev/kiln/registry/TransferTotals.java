package dev.kiln.registry;

import dev.kiln.oci.Descriptor;
import java.net.URI;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bytes a {@link RegistryClient} (and every {@link RegistryClient#withCredentials view} of
 * it) has moved since it was made: blobs and manifests that went over the wire, counted by
 * their size when they finished. Blobs found already present or mounted across repositories
 * count nothing. Read by the daemon's metrics; thread-safe, counters only grow.
 */
public final class TransferTotals {
    private final LongAdder pulled = new LongAdder();
    private final LongAdder pushed = new LongAdder();

    /** Bytes downloaded from registries. */
    public long pulledBytes() {
        return pulled.sum();
    }

    /** Bytes uploaded to registries. */
    public long pushedBytes() {
        return pushed.sum();
    }

    /** {@code listener}, with every transferred blob also added to these totals. */
    TransferListener counting(TransferListener listener) {
        return new TransferListener() {
            @Override
            public void started(Descriptor blob, Direction direction) {
                listener.started(blob, direction);
            }

            @Override
            public void progressed(Descriptor blob, long bytesSoFar) {
                listener.progressed(blob, bytesSoFar);
            }

            @Override
            public void finished(Descriptor blob, Direction direction, Outcome outcome) {
                if (outcome == Outcome.TRANSFERRED) {
                    (direction == Direction.PULL ? pulled : pushed).add(blob.size());
                }
                listener.finished(blob, direction, outcome);
            }

            @Override
            public void exchanged(String method, URI uri, int status) {
                listener.exchanged(method, uri, status);
            }
        };
    }
}
