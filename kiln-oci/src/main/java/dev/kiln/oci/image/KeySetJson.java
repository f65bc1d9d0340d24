package dev.kiln.oci.image;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

/**
 * Docker's JSON shape for a set of strings, an object whose keys are the members and whose
 * values are empty objects ({@code "ExposedPorts": {"80/tcp": {}}}), mapped to a sorted
 * {@code Set<String>}. Used on {@link ContainerConfig#exposedPorts()} and
 * {@link ContainerConfig#volumes()}.
 */
final class KeySetJson {
    private KeySetJson() {}

    /** Writes a set as an object of empty objects, keys sorted. */
    static final class Writer extends JsonSerializer<Set<String>> {
        @Override
        public void serialize(Set<String> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            for (String key : new TreeSet<>(value)) {
                gen.writeFieldName(key);
                gen.writeStartObject();
                gen.writeEndObject();
            }
            gen.writeEndObject();
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, Set<String> value) {
            return value == null || value.isEmpty();
        }
    }

    /** Reads the keys of an object (values ignored) into a sorted set; null stays null. */
    static final class Reader extends JsonDeserializer<Set<String>> {
        @Override
        @SuppressWarnings("unchecked")
        public Set<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                return (Set<String>) ctxt.handleUnexpectedToken(Set.class, p);
            }
            Set<String> keys = new TreeSet<>();
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                keys.add(p.currentName());
                p.nextToken();
                p.skipChildren();
            }
            return keys;
        }
    }
}
