package dev.kiln.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiln.common.Digest;
import java.util.Map;
import java.util.Objects;

/**
 * An OCI content descriptor: what a blob is ({@code mediaType}), its {@code digest} and
 * {@code size}, with optional annotations and, in an index, the platform it is for.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("digest") String digest,
        @JsonProperty("size") long size,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("platform") OciPlatform platform) {

    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Digest.parse(digest);
        if (size < 0) {
            throw new IllegalArgumentException("negative size");
        }
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest.toString(), size, Map.of(), null);
    }

    public Digest digestValue() {
        return Digest.parse(digest);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, a, platform);
    }

    public Descriptor withPlatform(OciPlatform p) {
        return new Descriptor(mediaType, digest, size, annotations, p);
    }

    /** The platform object of an index entry, with the field names of the image spec. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record OciPlatform(
            @JsonProperty("architecture") String architecture,
            @JsonProperty("os") String os,
            @JsonProperty("variant") String variant) {}
}
