package dev.kiln.llb.dsl;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A state's process defaults before the graph is marshalled: where they start (a fixed
 * {@link ProcessDefaults}, or the config of image {@code configImage}, only known once a
 * resolver looks it up) and the changes made since ({@code env} overrides in order, a working
 * directory that may still be relative to the image's, a user or null for the image's).
 * {@link #resolve} gives the concrete defaults. Package-private; immutable.
 */
record LazyDefaults(ProcessDefaults base, String configImage, Map<String, String> env, String dir, String user) {
    static final LazyDefaults NONE = new LazyDefaults(ProcessDefaults.EMPTY, null, Map.of(), null, null);

    LazyDefaults {
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }

    /** Defaults that start from the config of image {@code reference}. */
    static LazyDefaults ofImage(String reference) {
        return new LazyDefaults(null, reference, Map.of(), null, null);
    }

    /** Defaults that are exactly {@code config}. */
    static LazyDefaults of(ProcessDefaults config) {
        return new LazyDefaults(config, null, Map.of(), null, null);
    }

    LazyDefaults withEnv(String key, String value) {
        Map<String, String> next = new LinkedHashMap<>(env);
        next.remove(key);
        next.put(key, value);
        return new LazyDefaults(base, configImage, next, dir, user);
    }

    LazyDefaults withDir(String path) {
        String next = path.startsWith("/") || dir == null ? path : join(dir, path);
        return new LazyDefaults(base, configImage, env, next, user);
    }

    LazyDefaults withUser(String u) {
        return new LazyDefaults(base, configImage, env, dir, u);
    }

    /** The concrete defaults, {@code imageConfig} giving the config of an image reference. */
    ProcessDefaults resolve(Function<String, ProcessDefaults> imageConfig) {
        ProcessDefaults origin = base != null ? base
                : configImage != null ? imageConfig.apply(configImage) : ProcessDefaults.EMPTY;
        Map<String, String> e = new LinkedHashMap<>(origin.env());
        for (Map.Entry<String, String> o : env.entrySet()) {
            e.remove(o.getKey());
            e.put(o.getKey(), o.getValue());
        }
        String d = dir == null ? origin.workingDir() : join(origin.workingDir(), dir);
        return new ProcessDefaults(e, d, user != null ? user : origin.user());
    }

    /** {@code path} against {@code base} (absolute {@code path} as is). */
    static String join(String base, String path) {
        if (path.startsWith("/")) {
            return path;
        }
        return base.endsWith("/") ? base + path : base + "/" + path;
    }
}
