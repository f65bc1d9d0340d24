package dev.kiln.worker;

import dev.kiln.solver.Result;
import java.util.Optional;

/**
 * The forms of {@link Result} this worker hands out: {@code snap:NAME} for a committed
 * snapshot, {@code local:JOB:NAME} for a directory a client offers during one job, and
 * {@link Result#EMPTY}, and {@code lazy:CHAINID} for an imported chain not yet downloaded
 * ({@link RemoteLayers}).
 */
final class Refs {
    private static final String SNAP = "snap:";
    private static final String LOCAL = "local:";
    private static final String LAZY = "lazy:";

    private Refs() {}

    static Result snapshot(String name) {
        return new Result(SNAP + name);
    }

    static Optional<String> snapshotName(Result r) {
        return r.ref().startsWith(SNAP) ? Optional.of(r.ref().substring(SNAP.length())) : Optional.empty();
    }

    static Result local(String jobId, String name) {
        return new Result(LOCAL + jobId + ":" + name);
    }

    static boolean isLocal(Result r) {
        return r.ref().startsWith(LOCAL);
    }

    static Result lazy(String chainIdHex) {
        return new Result(LAZY + chainIdHex);
    }

    static Optional<String> lazyId(Result r) {
        return r.ref().startsWith(LAZY) ? Optional.of(r.ref().substring(LAZY.length())) : Optional.empty();
    }
}
