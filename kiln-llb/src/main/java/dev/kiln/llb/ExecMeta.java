package dev.kiln.llb;

import java.util.List;
import java.util.Objects;

/**
 * The process of an {@link ExecOp}: argv, environment ({@code K=V}), working directory,
 * user ({@code name|uid[:group|gid]}, resolved in the root file system when it runs),
 * hostname and extra {@code /etc/hosts} entries.
 */
public record ExecMeta(List<String> args, List<String> env, String cwd, String user, String hostname,
                       List<String> extraHosts) {
    public ExecMeta {
        args = List.copyOf(args);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command");
        }
        env = List.copyOf(env);
        cwd = Objects.requireNonNullElse(cwd, "/");
        user = Objects.requireNonNullElse(user, "");
        hostname = Objects.requireNonNullElse(hostname, "");
        extraHosts = extraHosts == null ? List.of() : List.copyOf(extraHosts);
    }
}
