package dev.kiln.client.remote;

import dev.kiln.common.KilnException;
import dev.kiln.daemon.api.ControlGrpc;
import dev.kiln.daemon.api.DiskUsageRequest;
import dev.kiln.daemon.api.PruneRequest;
import dev.kiln.daemon.api.UsageRecord;
import dev.kiln.worker.gc.PruneOptions;
import dev.kiln.worker.gc.StorageRecord;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The daemon's non-build calls for the CLI: {@code du} and {@code prune} give the same
 * {@link StorageRecord}s as the daemonless engine, so the commands print them the same way;
 * other calls get a blocking stub. Each call opens and closes its own connection.
 */
public final class DaemonCalls {
    private DaemonCalls() {}

    /** Runs {@code call} with a blocking Control stub (30 s deadline), mapping gRPC errors to messages. */
    public static <T> T control(DaemonTarget target, Function<ControlGrpc.ControlBlockingStub, T> call) {
        try (DaemonTarget.Connection c = target.connect()) {
            return call.apply(ControlGrpc.newBlockingStub(c.channel()).withDeadlineAfter(30, TimeUnit.SECONDS));
        } catch (StatusRuntimeException e) {
            throw RemoteBuild.translate(e, target);
        }
    }

    /** {@code kiln du} against the daemon (its engine records; the daemon's context copies are left out). */
    public static List<StorageRecord> usage(DaemonTarget target) {
        return control(target, s -> s.diskUsage(DiskUsageRequest.getDefaultInstance()).getRecordsList().stream()
                .filter(r -> !r.getType().equals("context")).map(DaemonCalls::record).toList());
    }

    /** {@code kiln prune} against the daemon; returns what it removed. */
    public static List<StorageRecord> prune(DaemonTarget target, PruneOptions o) {
        PruneRequest.Builder b = PruneRequest.newBuilder().setAll(o.all()).setKeepStorage(o.keepStorage())
                .setKeepDurationSeconds(o.keepDuration().toSeconds());
        if (o.types().size() < StorageRecord.Type.values().length) {
            o.types().forEach(t -> b.addTypes(t.label()));
        }
        List<StorageRecord> out = new ArrayList<>();
        for (UsageRecord r : control(target, s -> s.prune(b.build())).getRemovedList()) {
            if (!r.getType().equals("context")) {
                out.add(record(r));
            }
        }
        return out;
    }

    static StorageRecord record(UsageRecord r) {
        try {
            return new StorageRecord(r.getId(), StorageRecord.Type.ofLabel(r.getType()), r.getSize(),
                    Instant.ofEpochMilli(r.getLastUsedUnixMillis()), r.getDescription(), r.getInUse(), r.getReclaimable(),
                    r.getParent().isEmpty() ? Optional.empty() : Optional.of(r.getParent()));
        } catch (IllegalArgumentException e) {
            throw new KilnException("kilnd sent a record this client does not understand: " + e.getMessage(), e);
        }
    }
}
