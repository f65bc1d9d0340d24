package dev.kiln.dockerfile.instructions;

import java.util.Locale;

/**
 * One {@code RUN --mount=...} specification, typed. Optional values are null when not given:
 * {@code from} (a stage, image or context name for bind/cache sources), {@code source},
 * {@code target}, {@code id} (cache id or secret/ssh id), {@code sharing} (cache only; null means
 * the default, shared), {@code env} (secret: also expose as this variable), {@code mode},
 * {@code uid}, {@code gid} (cache, secret, ssh only). {@code readOnly} already holds the per-type
 * default when neither ro nor rw was written (bind, secret, ssh: read-only; cache, tmpfs: writable).
 * {@code sizeLimit} is the tmpfs size in bytes, 0 for unlimited.
 */
public record RunMount(Type type, String from, String source, String target, boolean readOnly, long sizeLimit,
                       String id, Sharing sharing, boolean required, String env, Integer mode, Long uid, Long gid) {
    /** The kind of mount. */
    public enum Type {
        BIND, CACHE, TMPFS, SECRET, SSH;

        /** The word used in Dockerfiles ({@code bind}, {@code cache}, ...). */
        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How concurrent builds share one cache mount. */
    public enum Sharing {
        SHARED, PRIVATE, LOCKED;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
