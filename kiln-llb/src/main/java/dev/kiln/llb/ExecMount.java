package dev.kiln.llb;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * A mount of an {@link ExecOp}. {@code input} is the index of the vertex input mounted here
 * ({@code -1}: an empty directory, or no input for tmpfs/secret/ssh/cache); {@code output} is
 * the index of the result this mount produces ({@code -1}: its changes are discarded).
 * {@code selector} is a path inside the input to mount instead of its root.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExecMount(int input, String dest, int output, boolean readonly, String selector, MountType type,
                        CacheOpt cache, SecretOpt secret, SshOpt ssh, TmpfsOpt tmpfs) {
    public ExecMount {
        Objects.requireNonNull(dest, "dest");
        type = type == null ? MountType.BIND : type;
        selector = selector == null ? "" : selector;
    }

    public static ExecMount root(int input) {
        return new ExecMount(input, "/", 0, false, "", MountType.BIND, null, null, null, null);
    }

    public enum MountType { BIND, CACHE, TMPFS, SECRET, SSH }

    /** {@code RUN --mount=type=cache}: a directory that persists across builds under {@code id}. */
    public record CacheOpt(String id, Sharing sharing, int mode, int uid, int gid) {
        public enum Sharing { SHARED, PRIVATE, LOCKED }
    }

    /** {@code RUN --mount=type=secret}: content the client provides; never stored. */
    public record SecretOpt(String id, String env, boolean optional, int mode, int uid, int gid) {}

    /** {@code RUN --mount=type=ssh}: the client's agent socket. */
    public record SshOpt(String id, boolean optional, int mode, int uid, int gid) {}

    /** {@code RUN --mount=type=tmpfs}: size in bytes, 0 for the default. */
    public record TmpfsOpt(long size) {}
}
