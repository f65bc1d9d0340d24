package dev.kiln.solver;

import dev.kiln.common.Digest;
import java.util.List;

/**
 * How a vertex's cache key is made from its op key and its inputs' keys (or the content
 * checksums that stand for them). Changing this format invalidates every cache, so it is
 * versioned.
 */
public final class CacheKeys {
    private static final String VERSION = "kiln-cachekey-v1";

    private CacheKeys() {}

    /**
     * The key of a vertex. {@code inputs} holds, per edge, either the input vertex's key or,
     * where the op selects files of that input, the checksum of those files; {@code output}
     * indexes are part of the key because two outputs of one vertex differ.
     */
    public static Digest combine(Digest opKey, List<String> inputs) {
        StringBuilder sb = new StringBuilder(VERSION).append('\n').append(opKey).append('\n');
        for (String in : inputs) {
            sb.append(in).append('\n');
        }
        return Digest.sha256(sb.toString());
    }
}
