package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a state dir that no process is using, from the outside (the SQLite file, the
 * snapshot metadata file, the directories): every cache record and layer record names a
 * committed snapshot whose directory exists, every stored image's manifest, config and
 * layers are complete blobs, and no temporary file, active snapshot, mount or container is
 * left. Integration tests only.
 */
final class StateInvariants {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateInvariants() {}

    /** One row of {@code snapshots/metadata}. */
    record Snapshot(long id, String kind, String name) {}

    static Map<String, Snapshot> snapshots(Path state) throws IOException {
        Map<String, Snapshot> out = new HashMap<>();
        Path meta = state.resolve("snapshots/metadata");
        if (!Files.exists(meta)) {
            return out;
        }
        List<String> lines = Files.readAllLines(meta);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String name = java.net.URLDecoder.decode(f[4], java.nio.charset.StandardCharsets.UTF_8);
            out.put(name, new Snapshot(Long.parseLong(f[0]), f[1], name));
        }
        return out;
    }

    static List<String> column(Path state, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + state.resolve("kiln.db"));
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static Path blob(Path state, String digest) {
        return state.resolve("content/blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    /**
     * @param clean whether the last process exited normally: then no active snapshot, temp file,
     *              mount or container may remain; after a kill only the records are checked
     */
    static void check(Path state, String when, boolean clean) throws Exception {
        Map<String, Snapshot> snaps = snapshots(state);
        for (Snapshot s : snaps.values()) {
            if (clean || s.kind().equals("COMMITTED")) {
                assertThat(s.kind()).as("snapshot %s %s", s.name(), when).isEqualTo("COMMITTED");
            assertThat(state.resolve("snapshots/snapshots").resolve(Long.toString(s.id())).resolve("fs"))
                    .as("directory of snapshot %s %s", s.name(), when).isDirectory();
            }
        }
        List<String> pointed = new ArrayList<>();
        for (String results : column(state, "SELECT results FROM cache_records")) {
            for (String ref : results.split("\n")) {
                if (ref.startsWith("snap:")) {
                    pointed.add(ref.substring(5));
                }
            }
        }
        List<String> committed = snaps.values().stream().filter(s -> s.kind().equals("COMMITTED"))
                .map(Snapshot::name).toList();
        assertThat(committed).as("snapshots named by cache records %s", when).containsAll(pointed);
        for (String digest : column(state, "SELECT digest FROM images")) {
            assertThat(blob(state, digest)).as("manifest of a stored image %s", when).isRegularFile();
            JsonNode m = JSON.readTree(blob(state, digest).toFile());
            assertThat(blob(state, m.get("config").get("digest").asText())).as("config blob %s", when).isRegularFile();
            for (JsonNode l : m.get("layers")) {
                Path layer = blob(state, l.get("digest").asText());
                assertThat(layer).as("layer blob %s", when).isRegularFile();
                assertThat(Files.size(layer)).as("layer blob size %s", when).isEqualTo(l.get("size").asLong());
            }
        }
        if (!clean) {
            return;
        }
        assertThat(listing(state.resolve("content/ingest"))).as("ingest temp files %s", when).isEmpty();
        assertThat(listing(state.resolve("mounts"))).as("mount points %s", when).isEmpty();
        assertThat(listing(state.resolve("runc/runtime"))).as("containers %s", when).isEmpty();
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
