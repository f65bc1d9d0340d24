package dev.kiln.dockerfile;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds BuildKit's conformance data: walks up from the working directory to a {@code shared/conformance}. */
public final class ConformanceData {
    private ConformanceData() {
    }

    /** The {@code buildkit-dockerfile} data directory, or aborts the calling test when it is absent. */
    public static Path buildkitDockerfile() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared/conformance/buildkit-dockerfile");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        assumeTrue(false, "conformance data shared/conformance/buildkit-dockerfile not found above " + Path.of("").toAbsolutePath());
        throw new IllegalStateException("unreachable");
    }
}
