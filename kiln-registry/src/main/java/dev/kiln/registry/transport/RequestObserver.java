package dev.kiln.registry.transport;

import java.net.URI;

/** Told about every HTTP exchange with a registry (progress display, tests counting requests). */
@FunctionalInterface
public interface RequestObserver {
    /** A response arrived: the request method, URI and response status. */
    void exchanged(String method, URI uri, int status);

    RequestObserver NONE = (m, u, s) -> { };
}
