package dev.kiln.llb;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Brings content into the graph. The identifier's scheme says where from:
 * <ul>
 *   <li>{@code docker-image://REF} — an image by reference; the frontend pins the digest
 *       ({@code docker-image://docker.io/library/busybox:latest@sha256:…}) so the key changes
 *       when the tag moves;</li>
 *   <li>{@code oci-layout://STORE@DIGEST} — an image in an OCI layout given as a named build
 *       context;</li>
 *   <li>{@code local://NAME} — files the client offers under NAME (the build context is
 *       {@code context}); attributes {@link #ATTR_INCLUDE}, {@link #ATTR_EXCLUDE} select which;</li>
 *   <li>{@code git://…}, {@code https://…} — remote sources.</li>
 * </ul>
 */
public record SourceOp(String identifier, Map<String, String> attrs) implements Op {
    public static final String ATTR_INCLUDE = "local.includepatterns";
    public static final String ATTR_EXCLUDE = "local.excludepatterns";
    public static final String ATTR_FOLLOW = "local.followpaths";
    public static final String ATTR_PLATFORM = "image.platform";

    public SourceOp {
        Objects.requireNonNull(identifier, "identifier");
        attrs = attrs == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(attrs));
    }

    public static SourceOp of(String identifier) {
        return new SourceOp(identifier, Map.of());
    }

    public String scheme() {
        int i = identifier.indexOf("://");
        return i < 0 ? identifier : identifier.substring(0, i);
    }

    /** The identifier without its scheme. */
    public String location() {
        int i = identifier.indexOf("://");
        return i < 0 ? "" : identifier.substring(i + 3);
    }
}
