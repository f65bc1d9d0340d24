package dev.kiln.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Describes an overlay-form layer dir in a line per entry, sorted, for comparing layers in tests. */
final class LayerTrees {
    private LayerTrees() {}

    /** {@code "path type[ opaque]"} for each entry below {@code layer}: type is dir, file, link, whiteout or other. */
    static List<String> describe(Path layer) throws IOException {
        try (Stream<Path> s = Files.walk(layer)) {
            return s.filter(p -> !p.equals(layer)).map(p -> {
                String rel = layer.relativize(p).toString();
                String type;
                if (OverlayMarkers.isWhiteout(p)) {
                    type = "whiteout";
                } else if (Files.isSymbolicLink(p)) {
                    type = "link";
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    type = OverlayMarkers.isOpaque(p) ? "dir opaque" : "dir";
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    type = "file";
                } else {
                    type = "other";
                }
                return rel + " " + type;
            }).sorted().toList();
        }
    }
}
