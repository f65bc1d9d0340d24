package dev.kiln.llb.dsl;

import dev.kiln.llb.ExecOp;
import java.util.Objects;

/**
 * One option of {@link State#run}: a change to the process defaults for this run only
 * ({@link #env}, {@link #dir}, {@link #user}), its network mode, or an extra mount. Extra
 * mounts never produce an output of their own: what the process writes there is discarded
 * unless it is a cache mount, which persists under its id between builds. Immutable values.
 */
public sealed interface RunOption {
    /** Sets environment variable {@code key} for this run. */
    record Env(String key, String value) implements RunOption {
        public Env {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Working directory for this run (relative: against the state's). */
    record Dir(String path) implements RunOption {}

    /** User for this run ({@code name|uid[:group|gid]}). */
    record User(String user) implements RunOption {}

    /** Network mode ({@code RUN --network}). */
    record Network(ExecOp.NetworkMode mode) implements RunOption {}

    /** Mounts {@code selector} of {@code source} at {@code dest}. */
    record BindMount(String dest, State source, String selector, boolean readonly) implements RunOption {}

    /** A cache directory persisting under {@code id} ({@code RUN --mount=type=cache}). */
    record CacheMount(String dest, String id) implements RunOption {}

    /** An empty tmpfs at {@code dest}. */
    record TmpfsMount(String dest) implements RunOption {}

    /** Name shown for the step in progress output instead of the command. */
    record Name(String name) implements RunOption {}

    static RunOption env(String key, String value) {
        return new Env(key, value);
    }

    static RunOption dir(String path) {
        return new Dir(path);
    }

    static RunOption user(String user) {
        return new User(user);
    }

    static RunOption network(ExecOp.NetworkMode mode) {
        return new Network(mode);
    }

    /** Mounts the whole of {@code source} read-only at {@code dest}. */
    static RunOption mount(String dest, State source) {
        return new BindMount(dest, source, "", true);
    }

    static RunOption cache(String dest, String id) {
        return new CacheMount(dest, id);
    }

    static RunOption tmpfs(String dest) {
        return new TmpfsMount(dest);
    }

    static RunOption name(String name) {
        return new Name(name);
    }
}
