package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An image read from an OCI archive (a tar of an OCI layout, as {@code kiln build -o type=oci},
 * {@code kiln save} and {@code buildah push … oci-archive:} write): its config, its layers (digest
 * and entry names, bottom first) and its file tree, flattened by applying the layers in order with
 * whiteouts and opaque directories. Tree entries are described without timestamps, for comparing
 * two builders. Test support.
 */
record OciArchiveImage(JsonNode config, Map<String, String> tree, List<Layer> layers) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One layer: its blob's digest and its tar entry names in order, as written minus a leading {@code ./}. */
    record Layer(String digest, List<String> entries) {}

    static OciArchiveImage read(Path archive) throws IOException {
        Map<String, byte[]> blobs = new HashMap<>();
        byte[] index = null;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().replaceFirst("^\\./", "");
                if (name.equals("index.json")) {
                    index = tar.readAllBytes();
                } else if (name.startsWith("blobs/") && e.isFile()) {
                    String[] parts = name.split("/");
                    blobs.put(parts[1] + ":" + parts[2], tar.readAllBytes());
                }
            }
        }
        if (index == null) {
            throw new IOException(archive + " has no index.json");
        }
        JsonNode desc = JSON.readTree(index).get("manifests").get(0);
        JsonNode manifest = JSON.readTree(blobs.get(desc.get("digest").asText()));
        if (manifest.has("manifests")) {
            manifest = JSON.readTree(blobs.get(manifest.get("manifests").get(0).get("digest").asText()));
        }
        JsonNode config = JSON.readTree(blobs.get(manifest.get("config").get("digest").asText()));
        Map<String, String> tree = new TreeMap<>();
        List<Layer> layers = new ArrayList<>();
        for (JsonNode layer : manifest.get("layers")) {
            String digest = layer.get("digest").asText();
            layers.add(new Layer(digest, apply(tree, blobs.get(digest))));
        }
        return new OciArchiveImage(config, tree, List.copyOf(layers));
    }

    /** The layers' digests, bottom first. */
    List<String> layerDigests() {
        return layers.stream().map(Layer::digest).toList();
    }

    /** Applies one layer blob to {@code tree}; returns its entry names in order. */
    private static List<String> apply(Map<String, String> tree, byte[] blob) throws IOException {
        InputStream in = dev.kiln.oci.layer.Compression.decompressDetected(new ByteArrayInputStream(blob));
        Map<String, String> added = new HashMap<>();
        List<String> entries = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().replaceFirst("^\\./", "");
                entries.add(name);
                String path = "/" + name.replaceAll("/+$", "");
                if (path.equals("/")) {
                    continue;
                }
                String base = path.substring(path.lastIndexOf('/') + 1);
                String dir = path.substring(0, path.lastIndexOf('/'));
                if (base.equals(".wh..wh..opq")) {
                    removeUnder(tree, dir, added);
                    continue;
                }
                if (base.startsWith(".wh.")) {
                    String victim = dir + "/" + base.substring(4);
                    tree.remove(victim);
                    removeUnder(tree, victim, Map.of());
                    continue;
                }
                String owner = e.getLongUserId() + ":" + e.getLongGroupId();
                String mode = String.format("%04o", e.getMode() & 07777);
                String desc;
                if (e.isDirectory()) {
                    desc = "dir " + mode + " " + owner;
                } else if (e.isSymbolicLink()) {
                    desc = "symlink -> " + e.getLinkName() + " " + owner;
                } else if (e.isLink()) {
                    String target = "/" + e.getLinkName().replaceFirst("^\\./", "");
                    desc = tree.getOrDefault(target, "hardlink to missing " + target);
                } else if (e.isFile()) {
                    desc = "file " + mode + " " + owner + " sha256:" + sha256(tar.readAllBytes());
                } else {
                    desc = "special " + mode + " " + owner;
                }
                if (!e.isDirectory()) {
                    removeUnder(tree, path, Map.of());
                }
                tree.put(path, desc);
                added.put(path, desc);
            }
        }
        return entries;
    }

    /** Removes what is below {@code dir} (not dir itself), except entries this layer added. */
    private static void removeUnder(Map<String, String> tree, String dir, Map<String, String> keep) {
        String prefix = dir + "/";
        Iterator<Map.Entry<String, String>> it = tree.entrySet().iterator();
        while (it.hasNext()) {
            String p = it.next().getKey();
            if (p.startsWith(prefix) && !keep.containsKey(p)) {
                it.remove();
            }
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The config fields the differential test compares, rendered as canonical JSON text. */
    Map<String, String> configFields() {
        return configFields(config.path("config"));
    }

    /** The compared fields of a container config ({@code config} of an image config, Docker or OCI). */
    static Map<String, String> configFields(JsonNode c) {
        Map<String, String> out = new TreeMap<>();
        for (String f : List.of("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes",
                "StopSignal", "Healthcheck", "OnBuild", "Shell")) {
            JsonNode v = c.get(f);
            if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty()) || (v.isContainerNode() && v.isEmpty())) {
                continue;
            }
            out.put(f, canonical(v));
        }
        return out;
    }

    private static String canonical(JsonNode v) {
        if (v.isObject()) {
            Map<String, String> sorted = new TreeMap<>();
            v.properties().forEach(e -> sorted.put(e.getKey(), canonical(e.getValue())));
            return sorted.toString();
        }
        return v.toString();
    }
}
