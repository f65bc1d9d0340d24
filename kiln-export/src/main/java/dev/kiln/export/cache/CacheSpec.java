package dev.kiln.export.cache;

import dev.kiln.common.KilnException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code --cache-to} or {@code --cache-from} value, parsed from the CSV form buildx uses:
 * {@code type=registry,ref=REF[,mode=min|max][,compression=gzip|zstd][,image-manifest=true][,cache-mounts=true]},
 * {@code type=local,dest=DIR} (export) or {@code type=local,src=DIR} (import), optionally
 * {@code tag=NAME} for the entry in the layout's index, and {@code type=inline}. A bare
 * value without {@code type=} is a registry reference, as in buildx. {@code compression=} applies
 * to layers compressed for the first time by the export; layers that already have a blob keep
 * it unless {@code force-compression=true} converts them (as in the reference).
 *
 * @param type  registry, local or inline
 * @param attrs the other key=value pairs
 */
public record CacheSpec(String type, Map<String, String> attrs) {
    private static final Set<String> TYPES = Set.of("registry", "local", "inline");

    public CacheSpec {
        if (!TYPES.contains(type)) {
            throw new KilnException("unsupported cache type \"" + type + "\": want registry, local or inline");
        }
        attrs = Map.copyOf(attrs);
    }

    /** Parses one flag value; {@code export} says whether it came from {@code --cache-to}. */
    public static CacheSpec parse(String value, boolean export) {
        if (!value.contains("=")) {
            return new CacheSpec("registry", Map.of("ref", value));
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new KilnException("invalid cache option \"" + part + "\" in \"" + value + "\": want key=value");
            }
            attrs.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        String type = attrs.remove("type");
        CacheSpec spec = new CacheSpec(type == null ? "registry" : type, attrs);
        spec.validate(export);
        return spec;
    }

    private void validate(boolean export) {
        switch (type) {
            case "registry" -> require("ref");
            case "local" -> require(export ? "dest" : "src");
            default -> { }
        }
        if (!List.of("min", "max").contains(mode())) {
            throw new KilnException("invalid cache mode \"" + mode() + "\": want min or max");
        }
        if (!List.of("gzip", "zstd").contains(attrs.getOrDefault("compression", "gzip"))) {
            throw new KilnException("invalid cache compression \"" + attrs.get("compression") + "\": want gzip or zstd");
        }
        if (!List.of("true", "false").contains(attrs.getOrDefault("force-compression", "false"))) {
            throw new KilnException("invalid force-compression=\"" + attrs.get("force-compression") + "\": want true or false");
        }
        if (!List.of("true", "false").contains(attrs.getOrDefault("image-manifest", "true"))) {
            throw new KilnException("invalid image-manifest=\"" + attrs.get("image-manifest") + "\": want true or false");
        }
        if (!imageManifest() && !type.equals("registry")) {
            throw new KilnException("image-manifest=false (an index of blobs) is only for type=registry");
        }
        if (!List.of("true", "false").contains(attrs.getOrDefault("cache-mounts", "false"))) {
            throw new KilnException("invalid cache-mounts=\"" + attrs.get("cache-mounts") + "\": want true or false");
        }
        if (type.equals("inline") && cacheMounts()) {
            throw new KilnException("cache-mounts=true needs type=registry or type=local, not inline");
        }
        if (type.equals("inline") && mode().equals("max")) {
            throw new KilnException("type=inline only supports mode=min (the image holds only its own layers)");
        }
    }

    private void require(String key) {
        if (!attrs.containsKey(key) || attrs.get(key).isEmpty()) {
            throw new KilnException("cache type " + type + " needs " + key + "=");
        }
    }

    /** min (the final image's steps, the default) or max (every step of every stage). */
    public String mode() {
        return attrs.getOrDefault("mode", "min");
    }

    /**
     * Whether the cache is an OCI image manifest (true, the default: accepted by every
     * registry) or, with {@code image-manifest=false}, an OCI index listing the blobs, as the
     * reference writes by default.
     */
    public boolean imageManifest() {
        return !attrs.getOrDefault("image-manifest", "true").equals("false");
    }

    /** Whether RUN --mount=type=cache contents travel with the cache ({@code cache-mounts=true}). */
    public boolean cacheMounts() {
        return attrs.getOrDefault("cache-mounts", "false").equals("true");
    }

    /** The name of the manifest in an OCI layout directory ({@code tag=}, default latest). */
    public String tag() {
        return attrs.getOrDefault("tag", "latest");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("type=").append(type);
        attrs.forEach((k, v) -> sb.append(',').append(k).append('=').append(v));
        return sb.toString();
    }
}
