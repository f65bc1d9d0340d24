package dev.kiln.executor;

/**
 * The network a RUN step sees, as BuildKit's {@code RUN --network=default|none|host}.
 */
public enum NetworkMode {
    /** The host's network namespace, as BuildKit configured with host networking does by default. */
    DEFAULT,
    /** A new network namespace with only the loopback interface, brought up. */
    NONE,
    /** The host's network namespace. */
    HOST;

    /** Whether the container gets its own network namespace. */
    public boolean isolated() {
        return this == NONE;
    }
}
