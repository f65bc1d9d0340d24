package dev.kiln.engine;

import dev.kiln.common.KilnException;
import dev.kiln.session.IgnorePatterns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the .dockerignore that applies to a build: {@code NAME.dockerignore} beside a
 * Dockerfile named NAME, else {@code .dockerignore} at the context root. Returns its
 * pattern lines (comments and blank lines dropped), which travel with the context source.
 */
final class ContextIgnores {
    private ContextIgnores() {}

    static List<String> read(Path context, Path dockerfile) {
        Path file = IgnorePatterns.locate(context, dockerfile);
        if (file == null || !Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    out.add(t);
                }
            }
            IgnorePatterns.parse(String.join("\n", out));
            return out;
        } catch (IOException | IllegalArgumentException e) {
            throw new KilnException(file + ": " + e.getMessage(), e);
        }
    }
}
