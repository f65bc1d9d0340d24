package dev.kiln.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiln.common.Digest;
import dev.kiln.common.Platform;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * An image config (OCI {@code application/vnd.oci.image.config.v1+json}, which Docker's
 * {@code application/vnd.docker.container.image.v1+json} extends): creation time, platform,
 * the runtime {@link ContainerConfig}, the layer diffIDs and the build history. Immutable;
 * the {@code with…} methods return changed copies for the image builder.
 *
 * <p>{@code created} is kept as the RFC 3339 string that was read, so re-encoding a config
 * read from a registry keeps its timestamp byte for byte.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageConfig(
        @JsonProperty("created") String created,
        @JsonProperty("author") String author,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("config") ContainerConfig config,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history) {

    public ImageConfig {
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
        config = config == null ? ContainerConfig.EMPTY : config;
        rootfs = rootfs == null ? new RootFs("layers", List.of()) : rootfs;
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** The config of an empty image ({@code FROM scratch}) for a platform. */
    public static ImageConfig scratch(Platform platform) {
        return new ImageConfig(null, null, platform.architecture(), platform.os(), null, null,
                platform.variant().isEmpty() ? null : platform.variant(), ContainerConfig.EMPTY, null, null);
    }

    /** Formats an instant as the spec wants ({@code 2024-01-02T03:04:05Z}, fractions only if present). */
    public static String formatTime(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }

    @JsonIgnore
    public Platform platform() {
        return new Platform(os == null ? "linux" : os, architecture == null ? "amd64" : architecture, variant);
    }

    /** The diffIDs as digests, base layer first. */
    @JsonIgnore
    public List<Digest> diffIds() {
        return rootfs.diffIds().stream().map(Digest::parse).toList();
    }

    public ImageConfig withCreated(Instant t) {
        return withCreated(t == null ? null : formatTime(t));
    }

    public ImageConfig withCreated(String rfc3339) {
        return new ImageConfig(rfc3339, author, architecture, os, osVersion, osFeatures, variant, config, rootfs, history);
    }

    public ImageConfig withAuthor(String v) {
        return new ImageConfig(created, v, architecture, os, osVersion, osFeatures, variant, config, rootfs, history);
    }

    public ImageConfig withPlatform(Platform p) {
        return new ImageConfig(created, author, p.architecture(), p.os(), osVersion, osFeatures,
                p.variant().isEmpty() ? null : p.variant(), config, rootfs, history);
    }

    public ImageConfig withConfig(ContainerConfig v) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, v, rootfs, history);
    }

    public ImageConfig withRootfs(RootFs v) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, v, history);
    }

    public ImageConfig withHistory(List<History> v) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, rootfs, v);
    }

    /** Appends a layer: its diffID and the history entry that made it. */
    public ImageConfig withLayer(Digest diffId, History entry) {
        List<String> ids = new ArrayList<>(rootfs.diffIds());
        ids.add(diffId.toString());
        return withRootfs(new RootFs(rootfs.type(), ids)).withHistoryEntry(entry);
    }

    /** Appends a history entry (for an instruction that made no layer, mark it empty). */
    public ImageConfig withHistoryEntry(History entry) {
        List<History> all = new ArrayList<>(history);
        all.add(entry);
        return withHistory(all);
    }

    public byte[] toJson() {
        return ImageJson.write(this);
    }

    /** The {@code rootfs} object: type {@code layers} and the diffIDs, base layer first. */
    public record RootFs(
            @JsonProperty("type") String type,
            @JsonProperty("diff_ids") @JsonInclude(JsonInclude.Include.ALWAYS) List<String> diffIds) {
        public RootFs {
            type = type == null ? "layers" : type;
            diffIds = diffIds == null ? List.of() : List.copyOf(diffIds);
            diffIds.forEach(Digest::parse);
        }
    }

    /** One history entry; {@code emptyLayer} is true for instructions that made no layer. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record History(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean emptyLayer) {
        public History {
            emptyLayer = Boolean.TRUE.equals(emptyLayer) ? Boolean.TRUE : null;
        }

        public static History of(Instant created, String createdBy, boolean emptyLayer) {
            return new History(created == null ? null : formatTime(created), createdBy, null, null, emptyLayer);
        }

        @JsonIgnore
        public boolean isEmptyLayer() {
            return Boolean.TRUE.equals(emptyLayer);
        }

        public History withComment(String v) {
            return new History(created, createdBy, author, v, emptyLayer);
        }
    }
}
