package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TreeDiff} with the tar-name markers, which need no privilege (the overlay form is tested by the ITs). */
class TreeDiffTest {

    @TempDir
    Path tmp;

    @Test
    void writesDeletionsAndReMadeDirectoriesAsTarNames() throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Files.createDirectories(lower.resolve("remade/old-sub"));
        Files.writeString(lower.resolve("remade/old"), "x");
        Files.writeString(lower.resolve("gone"), "x");
        Files.writeString(lower.resolve("same"), "x");
        Files.createDirectories(lower.resolve("dir"));
        Files.writeString(lower.resolve("dir/changed"), "old");
        Path upper = tmp.resolve("upper");
        Files.createDirectory(upper);
        TreeCopy.copyContents(lower, upper);
        TreeOrigin.record(upper, tmp.resolve("origin"));

        Files.delete(upper.resolve("gone"));
        Files.delete(upper.resolve("remade/old"));
        Files.delete(upper.resolve("remade/old-sub"));
        Files.delete(upper.resolve("remade"));
        Files.createDirectory(upper.resolve("remade"));
        Files.writeString(upper.resolve("remade/new"), "n");
        Files.writeString(upper.resolve("dir/changed"), "new");
        Files.writeString(upper.resolve("added"), "a");

        Path out = Files.createDirectory(tmp.resolve("out"));
        TreeDiff.write(lower, upper, out, TreeOrigin.load(tmp.resolve("origin")), new TreeDiff.TarNames());

        try (Stream<Path> s = Files.walk(out)) {
            List<String> entries = s.filter(p -> !p.equals(out)).map(p -> out.relativize(p).toString()).sorted().toList();
            assertThat(entries).containsExactly(".wh.gone", "added", "dir", "dir/changed", "remade",
                    "remade/.wh..wh..opq", "remade/new");
        }
        assertThat(out.resolve("dir/changed")).hasContent("new");
        assertThat(Files.getAttribute(out.resolve(".wh.gone"), "unix:mode")).isEqualTo(0100000);
        assertThat(Files.size(out.resolve("remade/.wh..wh..opq"))).isZero();
    }
}
