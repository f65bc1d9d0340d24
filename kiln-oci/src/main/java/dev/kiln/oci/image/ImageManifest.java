package dev.kiln.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An image manifest (OCI {@code application/vnd.oci.image.manifest.v1+json} or Docker schema 2):
 * the config blob and the ordered layer blobs, base layer first. Immutable; encode with
 * {@link ImageJson}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageManifest(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("config") Descriptor config,
        @JsonProperty("layers") List<Descriptor> layers,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations) {

    public ImageManifest {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("unsupported manifest schemaVersion " + schemaVersion);
        }
        Objects.requireNonNull(config, "manifest has no config");
        layers = layers == null ? List.of() : List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** An OCI manifest. */
    public static ImageManifest oci(Descriptor config, List<Descriptor> layers) {
        return new ImageManifest(2, MediaTypes.OCI_MANIFEST, null, config, layers, null, Map.of());
    }

    /** A Docker schema 2 manifest. */
    public static ImageManifest docker(Descriptor config, List<Descriptor> layers) {
        return new ImageManifest(2, MediaTypes.DOCKER_MANIFEST, null, config, layers, null, Map.of());
    }

    @JsonIgnore
    public boolean isDocker() {
        return MediaTypes.DOCKER_MANIFEST.equals(mediaType);
    }

    public ImageManifest withConfig(Descriptor newConfig) {
        return new ImageManifest(schemaVersion, mediaType, artifactType, newConfig, layers, subject, annotations);
    }

    public ImageManifest withLayers(List<Descriptor> newLayers) {
        return new ImageManifest(schemaVersion, mediaType, artifactType, config, newLayers, subject, annotations);
    }

    public ImageManifest withLayer(Descriptor layer) {
        List<Descriptor> all = new ArrayList<>(layers);
        all.add(layer);
        return withLayers(all);
    }

    public ImageManifest withAnnotations(Map<String, String> newAnnotations) {
        return new ImageManifest(schemaVersion, mediaType, artifactType, config, layers, subject, newAnnotations);
    }

    public byte[] toJson() {
        return ImageJson.write(this);
    }
}
