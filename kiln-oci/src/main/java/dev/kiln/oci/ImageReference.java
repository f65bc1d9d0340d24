package dev.kiln.oci;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed image reference, normalised as docker does: {@code busybox} is
 * {@code docker.io/library/busybox:latest}; {@code localhost:5000/app@sha256:…} keeps its
 * digest. {@code tag} is null when only a digest is given.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern REPO = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    public ImageReference {
        if (!REPO.matcher(repository).matches()) {
            throw new IllegalArgumentException("invalid reference format: repository name must be lowercase: " + repository);
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("invalid tag: " + tag);
        }
        if (digest != null) {
            dev.kiln.common.Digest.parse(digest);
        }
    }

    /** Parses and normalises; throws {@link IllegalArgumentException} with docker's wording on bad input. */
    public static ImageReference parse(String s) {
        String rest = s.trim();
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("invalid reference format: empty reference");
        }
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String registry;
        String repo;
        int first = rest.indexOf('/');
        String head = first < 0 ? "" : rest.substring(0, first);
        if (first >= 0 && (head.contains(".") || head.contains(":") || head.equals("localhost")
                || !head.equals(head.toLowerCase(Locale.ROOT)))) {
            registry = head;
            repo = rest.substring(first + 1);
        } else {
            registry = DOCKER_HUB;
            repo = rest;
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !repo.contains("/")) {
            repo = "library/" + repo;
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(registry, repo, tag, digest);
    }

    /** The reference with a different tag (and no digest). */
    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, newTag, null);
    }

    public ImageReference withDigest(String newDigest) {
        return new ImageReference(registry, repository, tag, newDigest);
    }

    public Optional<String> digestOpt() {
        return Optional.ofNullable(digest);
    }

    /** {@code registry/repository} without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The short form docker prints: {@code busybox:latest}, {@code localhost:5000/app:1}. */
    public String familiar() {
        String n = name();
        if (registry.equals(DOCKER_HUB)) {
            n = repository.startsWith("library/") ? repository.substring(8) : repository;
        }
        return n + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
