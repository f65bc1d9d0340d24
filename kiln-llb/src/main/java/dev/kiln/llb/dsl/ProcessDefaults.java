package dev.kiln.llb.dsl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The process settings a {@link State}'s later runs get: environment, working directory and
 * user. It is also the part of an image's config a state takes from its base image (the
 * config's {@code Env}, {@code WorkingDir} and {@code User}), which is how the result of an
 * {@link ImageMetaResolver} reaches the graph. Immutable; the environment keeps its order.
 *
 * @param env        variables in the order they were set
 * @param workingDir absolute directory, {@code "/"} when none is set
 * @param user       {@code name|uid[:group|gid]}, empty for the default (root)
 */
public record ProcessDefaults(Map<String, String> env, String workingDir, String user) {
    /** No variables, {@code /}, root: what a state has when no image config applies. */
    public static final ProcessDefaults EMPTY = new ProcessDefaults(Map.of(), "/", "");

    public ProcessDefaults {
        env = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(env, "env")));
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
        if (!workingDir.startsWith("/")) {
            throw new IllegalArgumentException("working directory must be absolute: " + workingDir);
        }
        user = user == null ? "" : user;
    }

    /**
     * The defaults an image config gives: {@code envList} as the config's {@code Env}
     * ({@code KEY=VALUE} strings; a later duplicate wins), {@code workingDir} and {@code user}
     * as its {@code WorkingDir} and {@code User} (null or empty: unset).
     */
    public static ProcessDefaults fromConfig(List<String> envList, String workingDir, String user) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : envList == null ? List.<String>of() : envList) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            } else if (eq < 0 && !kv.isEmpty()) {
                env.put(kv, "");
            }
        }
        return new ProcessDefaults(env, workingDir, user);
    }

    /** The environment as {@code KEY=VALUE} strings, in order. */
    public List<String> envList() {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
