package dev.kiln.client.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.daemon.context.FileEntry;
import dev.kiln.session.IgnorePatterns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextWalkerTest {
    @TempDir
    Path ctx;

    List<String> walk(String ignore, String always) throws Exception {
        return new ContextWalker(ctx, IgnorePatterns.parse(ignore), always).walk().stream().map(FileEntry::path).toList();
    }

    @Test
    void listsParentsFirstInNameOrderAndLeavesIgnoredFilesOut() throws Exception {
        Files.writeString(Files.createDirectories(ctx.resolve("src/b")).resolve("y.java"), "y");
        Files.writeString(ctx.resolve("src/a.java"), "a");
        Files.writeString(Files.createDirectories(ctx.resolve("target")).resolve("big.jar"), "jar");
        Files.writeString(ctx.resolve("notes.log"), "log");
        Files.writeString(ctx.resolve(".dockerignore"), "target\n*.log\n.dockerignore\n");
        Files.createSymbolicLink(ctx.resolve("link"), Path.of("src/a.java"));
        assertThat(walk("target\n*.log\n.dockerignore\n", ".dockerignore"))
                .containsExactly(".dockerignore", "link", "src", "src/a.java", "src/b", "src/b/y.java");
        assertThat(walk("target\n*.log\n.dockerignore\n", null)).doesNotContain(".dockerignore");
    }

    @Test
    void anExcludedDirectoryWithAnExceptionBelowItIsWalked() throws Exception {
        Files.writeString(Files.createDirectories(ctx.resolve("docs/keep")).resolve("README"), "r");
        Files.writeString(ctx.resolve("docs/drop.txt"), "d");
        assertThat(walk("docs\n!docs/keep/README\n", null)).contains("docs/keep/README").doesNotContain("docs/drop.txt");
    }

    @Test
    void entriesCarryWhatTheDaemonCompares() throws Exception {
        Path f = Files.writeString(ctx.resolve("f"), "12345");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        FileEntry e = new ContextWalker(ctx, IgnorePatterns.none(), null).walk().getFirst();
        assertThat(e.isRegularFile()).isTrue();
        assertThat(e.size()).isEqualTo(5);
        assertThat(e.mtimeNanos() / 1_000_000).isEqualTo(Files.getLastModifiedTime(f).toMillis());
        assertThat(e.permissions()).isEqualTo(0700);
    }
}
