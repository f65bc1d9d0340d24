package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.common.KilnException;
import dev.kiln.engine.BuildResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** {@code --metadata-file}: the build's result as JSON, with buildx's key names. */
final class MetadataFile {
    private MetadataFile() {}

    static void write(Path file, BuildResult result, List<String> names) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("containerimage.digest", result.manifest().digest());
        n.put("containerimage.config.digest", result.configDigest());
        n.put("containerimage.descriptor.mediaType", result.manifest().mediaType());
        if (!names.isEmpty()) {
            n.put("image.name", String.join(",", names));
        }
        if (!result.pushed().isEmpty()) {
            n.put("kiln.pushed", String.join(",", result.pushed()));
        }
        try {
            Path abs = file.toAbsolutePath();
            Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
            Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KilnException("cannot write metadata file " + file + ": " + e.getMessage(), e);
        }
    }
}
