package dev.kiln.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.worker.fs.Accounts;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Archives made by the system's tar and compressors are recognised by content and unpacked. */
class ArchiveExtractorTest {
    @TempDir
    Path tmp;

    private void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "gzip", "bzip2", "xz", "zstd"})
    void recognisesEveryCompressionByContentAndUnpacksModesLinksAndTimes(String compressor) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/top/sub"));
        Files.writeString(src.resolve("f.txt"), "hello");
        Files.setAttribute(src.resolve("f.txt"), "unix:mode", 0751);
        Files.createSymbolicLink(src.resolve("link"), Path.of("f.txt"));
        Files.createLink(src.resolve("hard"), src.resolve("f.txt"));
        Files.setLastModifiedTime(src.resolve("f.txt"), java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
        run(tmp.resolve("src"), "tar", "-cf", tmp.resolve("a.tar").toString(), "top");
        Path archive = tmp.resolve("a.tar");
        if (!compressor.isEmpty()) {
            run(tmp, compressor, "-q", "a.tar");
            try (var s = Files.list(tmp)) {
                archive = s.filter(p -> p.getFileName().toString().startsWith("a.tar.")).findFirst().orElseThrow();
            }
            Path renamed = tmp.resolve("no-extension");
            Files.move(archive, renamed);
            archive = renamed;
        }
        assertThat(ArchiveExtractor.isArchive(archive)).isTrue();
        Path root = Files.createDirectories(tmp.resolve("root"));
        int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
        ArchiveExtractor.extract(archive, root, "/dst", new Accounts.Owner(uid, uid));
        Path f = root.resolve("dst/top/sub/f.txt");
        assertThat(Files.readString(f)).isEqualTo("hello");
        assertThat(Files.getAttribute(f, "unix:mode")).isEqualTo(0100751);
        assertThat(Files.getLastModifiedTime(f).toMillis()).isEqualTo(1_000_000_000_000L);
        assertThat(Files.readSymbolicLink(root.resolve("dst/top/sub/link"))).isEqualTo(Path.of("f.txt"));
        assertThat(Files.isSameFile(f, root.resolve("dst/top/sub/hard"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain text that is not a tar", ""})
    void otherFilesAreNotArchives(String content) throws Exception {
        Path f = Files.writeString(tmp.resolve("x.tar.gz"), content);
        assertThat(ArchiveExtractor.isArchive(f)).isFalse();
        Path gz = tmp.resolve("t.gz");
        Files.writeString(tmp.resolve("t"), "just text " + content);
        run(tmp, "gzip", "-q", "t");
        assertThat(ArchiveExtractor.isArchive(gz)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void namesCannotLeaveTheDestination() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("evil"));
        Files.writeString(src.resolve("x"), "x");
        run(src, "tar", "-cf", tmp.resolve("evil.tar").toString(), "--transform", "s,^x,../../../escaped,", "x");
        Path root = Files.createDirectories(tmp.resolve("root2"));
        int uid = (Integer) Files.getAttribute(tmp, "unix:uid");
        ArchiveExtractor.extract(tmp.resolve("evil.tar"), root, "/d/", new Accounts.Owner(uid, uid));
        assertThat(Files.exists(tmp.resolve("escaped"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        try (var s = Files.walk(root)) {
            assertThat(s.map(p -> root.relativize(p).toString()).toList()).contains("d/escaped");
        }
    }
}
