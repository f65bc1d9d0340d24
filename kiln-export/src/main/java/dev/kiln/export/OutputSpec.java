package dev.kiln.export;

import dev.kiln.common.KilnException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One {@code -o/--output} value as buildx writes it: {@code type=oci,dest=out.tar},
 * {@code type=local,dest=dir}, a bare path (local export), or {@code -} (tar to stdout).
 */
public record OutputSpec(String type, Map<String, String> attrs) {
    public static final Set<String> TYPES = Set.of("image", "oci", "docker", "local", "tar", "registry");

    public OutputSpec {
        attrs = Map.copyOf(attrs);
        if (!TYPES.contains(type)) {
            throw new KilnException("unsupported output type \"" + type + "\" (want one of image, oci, docker, local, tar, registry)");
        }
    }

    public static OutputSpec parse(String value) {
        if (value.equals("-")) {
            return new OutputSpec("tar", Map.of("dest", "-"));
        }
        if (!value.contains("=")) {
            return new OutputSpec("local", Map.of("dest", value));
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new KilnException("invalid output \"" + value + "\": \"" + part + "\" is not key=value");
            }
            attrs.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        String type = attrs.remove("type");
        if (type == null) {
            type = "local";
        }
        OutputSpec spec = new OutputSpec(type, attrs);
        if (Set.of("oci", "docker", "local", "tar").contains(type) && !attrs.containsKey("dest")) {
            throw new KilnException("output type \"" + type + "\" needs dest=PATH");
        }
        return spec;
    }

    public String dest() {
        return attrs.get("dest");
    }
}
