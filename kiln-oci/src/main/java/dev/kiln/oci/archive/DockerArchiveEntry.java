package dev.kiln.oci.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One element of a docker-save archive's {@code manifest.json}: the path of the config file,
 * the image's names ({@code app:1}) and the paths of its layer tars, base layer first.
 */
public record DockerArchiveEntry(
        @JsonProperty("Config") String config,
        @JsonProperty("RepoTags") @JsonInclude(JsonInclude.Include.ALWAYS) List<String> repoTags,
        @JsonProperty("Layers") @JsonInclude(JsonInclude.Include.ALWAYS) List<String> layers) {
    public DockerArchiveEntry {
        repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
        layers = layers == null ? List.of() : List.copyOf(layers);
    }
}
