package dev.kiln.oci.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image index (OCI) or manifest list (Docker): one manifest per platform, or the
 * {@code index.json} of an OCI image layout. Immutable; encode with {@link ImageJson}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageIndex(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("manifests") @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> manifests,
        @JsonProperty("annotations") Map<String, String> annotations) {

    public ImageIndex {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("unsupported index schemaVersion " + schemaVersion);
        }
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static ImageIndex oci(List<Descriptor> manifests) {
        return new ImageIndex(2, MediaTypes.OCI_INDEX, manifests, Map.of());
    }

    public ImageIndex withManifests(List<Descriptor> newManifests) {
        return new ImageIndex(schemaVersion, mediaType, newManifests, annotations);
    }

    public ImageIndex withManifest(Descriptor manifest) {
        List<Descriptor> all = new ArrayList<>(manifests);
        all.add(manifest);
        return withManifests(all);
    }

    public byte[] toJson() {
        return ImageJson.write(this);
    }
}
