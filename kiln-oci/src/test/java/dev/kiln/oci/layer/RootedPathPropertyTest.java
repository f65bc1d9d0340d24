package dev.kiln.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** However symlinks inside a root point, resolving a path through them stays inside the root. */
class RootedPathPropertyTest {
    @Provide
    Arbitrary<List<String>> targets() {
        return Arbitraries.of("..", "../..", "/", "/..", "../../../etc", "a", "b/c", "/a/../..", ".", "c", "../a",
                "/b", "x/../../..").list().ofSize(3);
    }

    @Property(tries = 150)
    void resolutionNeverLeavesTheRoot(@ForAll("targets") List<String> targets,
            @ForAll("paths") List<String> path) throws IOException {
        Path base = Files.createTempDirectory("rooted");
        try {
            Path root = Files.createDirectories(base.resolve("root")).toRealPath();
            Files.createDirectories(root.resolve("b"));
            Files.createSymbolicLink(root.resolve("a"), Path.of(targets.get(0)));
            Files.createSymbolicLink(root.resolve("b/c"), Path.of(targets.get(1)));
            Files.createSymbolicLink(root.resolve("c"), Path.of(targets.get(2)));
            Path resolved;
            try {
                resolved = RootedPath.resolveDirectory(root, path);
            } catch (IOException loop) {
                assertThat(loop).hasMessageContaining("symbolic links");
                return;
            }
            assertThat(resolved.normalize()).startsWithRaw(root);
            assertThat(resolved.normalize()).isEqualTo(resolved);
        } finally {
            try (var all = Files.walk(base)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<String>> paths() {
        return Arbitraries.of("a", "b", "c", "..", "x").list().ofMinSize(1).ofMaxSize(5);
    }
}
