package dev.kiln.common.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path tmp;

    @Test
    void deletesATreeButNotWhatItsSymlinksPointAt() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside.txt"), "keep");
        Path keepDir = Files.createDirectories(tmp.resolve("keep-dir"));
        Files.writeString(keepDir.resolve("x"), "keep");
        Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
        Files.writeString(tree.resolve("f"), "data");
        Files.createSymbolicLink(tmp.resolve("tree/link-file"), outside);
        Files.createSymbolicLink(tmp.resolve("tree/a/link-dir"), keepDir);

        FileTrees.deleteRecursively(tmp.resolve("tree"));

        assertThat(tmp.resolve("tree")).doesNotExist();
        assertThat(outside).hasContent("keep");
        assertThat(keepDir.resolve("x")).hasContent("keep");
    }

    @Test
    void aMissingPathOrAPlainFileIsFine() throws Exception {
        FileTrees.deleteRecursively(tmp.resolve("nothing"));
        Path f = Files.writeString(tmp.resolve("file"), "x");
        FileTrees.deleteRecursively(f);
        assertThat(f).doesNotExist();
    }

    @Test
    void childNamesAreSortedAndEmptyForWhatIsNotADirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dir/sub"));
        Files.writeString(tmp.resolve("dir/b"), "x");
        Files.writeString(tmp.resolve("dir/a"), "x");
        Files.createSymbolicLink(tmp.resolve("dir/link"), dir);
        Files.writeString(dir.resolve("below"), "x");

        assertThat(FileTrees.childNames(tmp.resolve("dir"))).containsExactly("a", "b", "link", "sub");
        assertThat(FileTrees.childNames(tmp.resolve("dir/link"))).as("a symlink is not followed").isEmpty();
        assertThat(FileTrees.childNames(tmp.resolve("dir/a"))).isEmpty();
        assertThat(FileTrees.childNames(tmp.resolve("missing"))).isEmpty();
    }
}
