package dev.kiln.llb;

import java.util.List;
import java.util.Objects;

/**
 * Runs a process in a container: a RUN step. The mount at {@code /} is the root file system;
 * every mount with an {@code output} index produces a result. Network and security modes are
 * the {@code RUN --network} and {@code --security} values.
 */
public record ExecOp(ExecMeta meta, List<ExecMount> mounts, NetworkMode network, SecurityMode security) implements Op {
    public ExecOp {
        Objects.requireNonNull(meta, "meta");
        mounts = List.copyOf(mounts);
        network = network == null ? NetworkMode.DEFAULT : network;
        security = security == null ? SecurityMode.SANDBOX : security;
        if (mounts.stream().noneMatch(m -> m.dest().equals("/"))) {
            throw new IllegalArgumentException("exec op needs a root mount");
        }
    }

    public enum NetworkMode { DEFAULT, NONE, HOST }

    public enum SecurityMode { SANDBOX, INSECURE }

    /** The root mount. */
    public ExecMount rootMount() {
        return mounts.stream().filter(m -> m.dest().equals("/")).findFirst().orElseThrow();
    }
}
