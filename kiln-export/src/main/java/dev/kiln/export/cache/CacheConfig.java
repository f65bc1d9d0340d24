package dev.kiln.export.cache;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.common.Digest;
import dev.kiln.common.KilnException;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.layer.LayerBlob;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The cache format: the config blob of a cache manifest (media type {@link #MEDIA_TYPE}).
 * {@code layers} lists every layer blob of the cache in the manifest's order (digest, media
 * type, size, diffID, and whether its diff is empty); {@code records} maps each step's cache
 * key to its results, each result being the indexes of its layers in {@code layers}, bottom
 * up (an empty list is an empty file system). A reader needs nothing else to rebuild a step's
 * snapshot chain, and no blob is downloaded until a chain is needed.
 *
 * <pre>{@code
 * {"kilnCacheVersion":1,
 *  "layers":[{"digest":"sha256:…","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",
 *             "size":123,"diffId":"sha256:…","empty":false}, …],
 *  "records":[{"key":"sha256:…","description":"[2/3] RUN make","results":[[0,1,2]]}, …],
 *  "cacheMounts":[{"id":"go-build","layer":3}]}
 * }</pre>
 * {@code cacheMounts} is present only when exported with {@code cache-mounts=true}: each entry
 * is a tar (in {@code layers}, but in no record) of a {@code RUN --mount=type=cache} directory.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheConfig(@JsonProperty("kilnCacheVersion") int version, @JsonProperty("layers") List<Layer> layers,
                          @JsonProperty("records") List<CacheRecord> records,
                          @JsonProperty("cacheMounts") List<CacheMount> cacheMounts) {
    /** The media type of this config blob, and the manifest's artifact type. */
    public static final String MEDIA_TYPE = "application/vnd.kiln.cache.config.v1+json";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public CacheConfig {
        layers = List.copyOf(layers);
        records = List.copyOf(records);
        cacheMounts = cacheMounts == null ? List.of() : List.copyOf(cacheMounts);
    }

    /** A cache without cache-mount contents. */
    public CacheConfig(int version, List<Layer> layers, List<CacheRecord> records) {
        this(version, layers, records, List.of());
    }

    /**
     * The contents of one {@code RUN --mount=type=cache} directory ({@code cache-mounts=true}):
     * its id and the index in {@code layers} of a tar of it.
     */
    public record CacheMount(@JsonProperty("id") String id, @JsonProperty("layer") int layer) {}

    /** The blob holding each exported cache mount's contents, by id. */
    public java.util.Map<String, LayerBlob> cacheMountBlobs() {
        java.util.Map<String, LayerBlob> out = new java.util.LinkedHashMap<>();
        cacheMounts.forEach(m -> out.put(m.id(), layers.get(m.layer()).blob()));
        return out;
    }

    /** One layer blob of the cache. */
    public record Layer(@JsonProperty("digest") String digest, @JsonProperty("mediaType") String mediaType,
                        @JsonProperty("size") long size, @JsonProperty("diffId") String diffId,
                        @JsonProperty("empty") boolean empty) {
        static Layer of(LayerBlob b) {
            return new Layer(b.descriptor().digest(), b.descriptor().mediaType(), b.descriptor().size(),
                    b.diffId().toString(), b.empty());
        }

        LayerBlob blob() {
            return new LayerBlob(new Descriptor(mediaType, digest, size, null, null), Digest.parse(diffId), empty);
        }
    }

    /** One step: its cache key, what it was, and per output the indexes of its layers. */
    public record CacheRecord(@JsonProperty("key") String key, @JsonProperty("description") String description,
                              @JsonProperty("results") List<List<Integer>> results) {
        public CacheRecord {
            results = results.stream().map(List::copyOf).toList();
        }
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new KilnException("cannot write the cache config: " + e.getMessage(), e);
        }
    }

    public static CacheConfig parse(byte[] json, String where) {
        try {
            CacheConfig c = JSON.readValue(json, CacheConfig.class);
            if (c.version() != VERSION) {
                throw new KilnException("cache " + where + " has format version " + c.version() + "; this Kiln reads "
                        + VERSION);
            }
            for (CacheRecord r : c.records()) {
                for (List<Integer> res : r.results()) {
                    for (int i : res) {
                        if (i < 0 || i >= c.layers().size()) {
                            throw new KilnException("cache " + where + ": record " + r.key() + " names layer " + i
                                    + " of " + c.layers().size());
                        }
                    }
                }
            }
            for (CacheMount m : c.cacheMounts()) {
                if (m.layer() < 0 || m.layer() >= c.layers().size()) {
                    throw new KilnException("cache " + where + ": cache mount " + m.id() + " names layer " + m.layer()
                            + " of " + c.layers().size());
                }
            }
            return c;
        } catch (IOException e) {
            throw new KilnException("cache " + where + " has an unreadable config: " + e.getMessage(), e);
        }
    }

    /** The layer chains of one record's results. */
    public List<List<LayerBlob>> chains(CacheRecord r) {
        List<List<LayerBlob>> out = new ArrayList<>();
        for (List<Integer> res : r.results()) {
            out.add(res.stream().map(i -> layers.get(i).blob()).toList());
        }
        return out;
    }

    /** The manifest layer descriptors, in order. */
    public List<Descriptor> descriptors() {
        return layers.stream().map(l -> l.blob().descriptor()).toList();
    }
}
