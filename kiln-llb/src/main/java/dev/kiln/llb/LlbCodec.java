package dev.kiln.llb;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kiln.common.Digest;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The canonical encoding of LLB: JSON with properties and map keys sorted, so equal values
 * give equal bytes whatever the order they were built in. Vertex digests and cache keys are
 * hashes of these bytes; the daemon's Solve call carries a {@link Definition} in this form.
 */
public final class LlbCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .serializationInclusion(JsonInclude.Include.ALWAYS)
            .build();

    private LlbCodec() {}

    /** Canonical bytes of an op. */
    public static byte[] encode(Op op) {
        try {
            return MAPPER.writeValueAsBytes(op);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode op " + op, e);
        }
    }

    /** The digest of an op together with the edges it reads. */
    public static Digest vertexDigest(Op op, List<Edge> inputs) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        m.put("inputs", inputs.stream().map(Edge::toFullString).toList());
        try {
            return Digest.sha256(MAPPER.writeValueAsBytes(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode op " + op, e);
        }
    }

    /** Encodes a whole definition (vertices with metadata, and the root). */
    public static byte[] encode(Definition def) {
        Wire wire = new Wire(def.vertices().stream()
                .map(v -> new WireVertex(v.op(), v.inputs().stream().map(Edge::toFullString).toList(), v.meta()))
                .toList(), def.root().map(Edge::toFullString).orElse(null));
        try {
            return MAPPER.writeValueAsBytes(wire);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode definition", e);
        }
    }

    /** Decodes what {@link #encode(Definition)} wrote; digests are recomputed, never trusted. */
    public static Definition decode(byte[] bytes) throws IOException {
        Wire wire = MAPPER.readValue(bytes, Wire.class);
        List<Vertex> vs = wire.vertices().stream()
                .map(w -> Vertex.of(w.op(), w.inputs().stream().map(Edge::parseFull).toList(), w.meta()))
                .toList();
        return new Definition(vs, Optional.ofNullable(wire.root()).map(Edge::parseFull));
    }

    record Wire(List<WireVertex> vertices, String root) {}

    record WireVertex(Op op, List<String> inputs, VertexMeta meta) {}
}
