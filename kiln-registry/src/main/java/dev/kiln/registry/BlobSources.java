package dev.kiln.registry;

import dev.kiln.common.Digest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which repositories of which registry hold a blob, from the pulls and pushes of
 * one registry client, so that a later push to another repository of the same registry can
 * ask for a cross-repository mount instead of uploading (containerd keeps the same facts as
 * "distribution source" labels). In memory only; thread-safe.
 */
final class BlobSources {
    private final Map<Digest, Set<String>> sources = new ConcurrentHashMap<>();

    void record(String registry, String repository, Digest digest) {
        sources.computeIfAbsent(digest, d -> ConcurrentHashMap.newKeySet()).add(registry + "/" + repository);
    }

    /** Repositories of {@code registry} other than {@code except} known to hold the blob. */
    List<String> repositories(String registry, Digest digest, String except) {
        String prefix = registry + "/";
        return sources.getOrDefault(digest, Set.of()).stream()
                .filter(s -> s.startsWith(prefix))
                .map(s -> s.substring(prefix.length()))
                .filter(r -> !r.equals(except))
                .sorted()
                .toList();
    }
}
