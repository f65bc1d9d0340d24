package dev.kiln.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.Digest;
import dev.kiln.oci.ContentStore;
import dev.kiln.oci.Descriptor;
import dev.kiln.oci.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Builds small images by hand in a content store: gzip'd random layers, a config and a manifest. */
final class TestImages {
    static final ObjectMapper JSON = new ObjectMapper();

    private TestImages() {}

    /** An image in a store: its manifest descriptor, config and layers. */
    record Image(Descriptor manifest, Descriptor config, List<Descriptor> layers) {
        List<Descriptor> blobs() {
            List<Descriptor> all = new ArrayList<>(layers);
            all.add(config);
            return all;
        }
    }

    /** An OCI image whose layers are gzip of {@code sizes[i]} random bytes made from {@code seed}. */
    static Image oci(ContentStore store, long seed, String arch, int... sizes) throws IOException {
        return build(store, seed, arch, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER_GZIP, sizes);
    }

    /** The same in Docker's v2 schema 2 media types. */
    static Image docker(ContentStore store, long seed, int... sizes) throws IOException {
        return build(store, seed, "amd64", MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_CONFIG, MediaTypes.DOCKER_LAYER_GZIP, sizes);
    }

    static Image build(ContentStore store, long seed, String arch, String manifestType, String configType, String layerType,
            int... sizes) throws IOException {
        Random random = new Random(seed);
        List<Descriptor> layers = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        for (int size : sizes) {
            byte[] raw = new byte[size];
            random.nextBytes(raw);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(raw);
            }
            byte[] compressed = gz.toByteArray();
            layers.add(Descriptor.of(layerType, store.write(compressed), compressed.length));
            diffIds.add(Digest.sha256(raw).toString());
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", arch).put("os", "linux");
        config.putObject("config").putArray("Cmd").add("/bin/sh");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(ids::add);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        Descriptor configDesc = Descriptor.of(configType, store.write(configBytes), configBytes.length);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2).put("mediaType", manifestType);
        manifest.set("config", JSON.valueToTree(configDesc));
        ArrayNode layerArray = manifest.putArray("layers");
        layers.forEach(l -> layerArray.add(JSON.valueToTree(l)));
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        Descriptor manifestDesc = Descriptor.of(manifestType, store.write(manifestBytes), manifestBytes.length);
        return new Image(manifestDesc, configDesc, layers);
    }

    /** An OCI index over the given manifests, each with a linux platform of the given architecture. */
    static Descriptor index(ContentStore store, List<Descriptor> manifests, List<String> architectures) throws IOException {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode array = index.putArray("manifests");
        for (int i = 0; i < manifests.size(); i++) {
            Descriptor withPlatform = manifests.get(i).withPlatform(new Descriptor.OciPlatform(architectures.get(i), "linux", null));
            array.add(JSON.valueToTree(withPlatform));
        }
        byte[] bytes = JSON.writeValueAsBytes(index);
        return Descriptor.of(MediaTypes.OCI_INDEX, store.write(bytes), bytes.length);
    }
}
