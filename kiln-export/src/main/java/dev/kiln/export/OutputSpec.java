package dev.kiln.export;

import dev.kiln.common.KilnException;
import dev.kiln.session.ClientOutput;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One {@code -o/--output} value as buildx writes it: {@code type=oci,dest=out.tar},
 * {@code type=local,dest=dir}, a bare path (local export), or {@code -} (tar to stdout).
 *
 * <p>{@code client}, when not null, is where a file output (oci, docker, tar, local) really goes:
 * the client that asked for it writes it on its own machine (a build through kilnd), and
 * {@code dest} is then only the client's name for it, never opened by the engine.
 */
public record OutputSpec(String type, Map<String, String> attrs, ClientOutput client) {
    public static final Set<String> TYPES = Set.of("image", "oci", "docker", "local", "tar", "registry");
    /** The types whose result is a file or a directory, which a {@link ClientOutput} can receive. */
    public static final Set<String> FILE_TYPES = Set.of("oci", "docker", "local", "tar");

    /** An output the engine writes itself. */
    public OutputSpec(String type, Map<String, String> attrs) {
        this(type, attrs, null);
    }

    public OutputSpec {
        attrs = Map.copyOf(attrs);
        if (client != null && !FILE_TYPES.contains(type)) {
            throw new KilnException("output type \"" + type + "\" is not written by the client");
        }
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

    /** This output, sent to {@code client} instead of written by the engine at {@code dest}. */
    public OutputSpec withClient(ClientOutput client) {
        return new OutputSpec(type, attrs, client);
    }

    public String dest() {
        return attrs.get("dest");
    }
}
