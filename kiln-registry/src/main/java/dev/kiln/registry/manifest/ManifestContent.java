package dev.kiln.registry.manifest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the registry client needs to know of a manifest or index, read with Jackson's tree
 * model: the media type and the descriptors it references. Accepts OCI manifests and
 * indexes, and Docker's v2 schema 2 manifests and manifest lists; rejects schema 1.
 */
public sealed interface ManifestContent {

    String mediaType();

    /** An image manifest: one config and its layers. */
    record Image(String mediaType, Descriptor config, List<Descriptor> layers) implements ManifestContent {
        public Image {
            layers = List.copyOf(layers);
        }
    }

    /** An index or manifest list: manifests, usually one per platform. */
    record Index(String mediaType, List<Descriptor> manifests) implements ManifestContent {
        public Index {
            manifests = List.copyOf(manifests);
        }
    }

    /**
     * Parses a manifest. The media type comes from the document's {@code mediaType} field,
     * else from the {@code Content-Type} the registry sent, else from its shape.
     *
     * @throws InvalidManifestException with a message saying what is wrong
     */
    static ManifestContent parse(byte[] bytes, String contentType) throws InvalidManifestException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new InvalidManifestException("not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidManifestException("not a JSON object");
        }
        int schemaVersion = root.path("schemaVersion").asInt(-1);
        if (schemaVersion == 1) {
            throw new InvalidManifestException("Docker image manifest schema 1 is not supported");
        }
        if (schemaVersion != 2) {
            throw new InvalidManifestException("schemaVersion is " + root.path("schemaVersion") + ", want 2");
        }
        String mediaType = root.path("mediaType").asText("");
        if (mediaType.isEmpty() && contentType != null) {
            String ct = contentType.split(";")[0].trim();
            if (MediaTypes.isIndex(ct) || MediaTypes.isManifest(ct)) {
                mediaType = ct;
            }
        }
        if (mediaType.isEmpty()) {
            mediaType = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (MediaTypes.isIndex(mediaType)) {
            return new Index(mediaType, descriptors(root, "manifests"));
        }
        if (MediaTypes.isManifest(mediaType)) {
            JsonNode config = root.get("config");
            if (config == null || !config.isObject()) {
                throw new InvalidManifestException("no config descriptor");
            }
            return new Image(mediaType, descriptor(config, "config"), descriptors(root, "layers"));
        }
        throw new InvalidManifestException("unsupported media type " + mediaType);
    }

    private static List<Descriptor> descriptors(JsonNode root, String field) throws InvalidManifestException {
        JsonNode array = root.get(field);
        if (array == null || !array.isArray()) {
            throw new InvalidManifestException("no " + field + " array");
        }
        List<Descriptor> out = new ArrayList<>();
        int i = 0;
        for (JsonNode n : array) {
            out.add(descriptor(n, field + "[" + i++ + "]"));
        }
        return out;
    }

    private static Descriptor descriptor(JsonNode node, String where) throws InvalidManifestException {
        try {
            return Json.MAPPER.treeToValue(node, Descriptor.class);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new InvalidManifestException("bad descriptor " + where + ": " + msg);
        }
    }

    /** The shared, lenient object mapper (unknown fields such as {@code urls} are ignored). */
    final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

        private Json() {}
    }
}
