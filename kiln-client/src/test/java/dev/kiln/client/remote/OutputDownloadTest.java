package dev.kiln.client.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.oci.layer.LayerSource;
import dev.kiln.oci.layer.LayerWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client writing an output the daemon sends ({@link OutputDownload}) on a real file system:
 * a complete output appears at its dest and nothing else beside it; an output the daemon aborts
 * or the session drops leaves neither the dest nor a temporary file; a directory output is the
 * tar unpacked, replacing what was at the dest.
 */
@Timeout(30)
class OutputDownloadTest {
    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCompleteFileIsRenamedIntoPlace() throws Exception {
        Path dest = tmp.resolve("out/img.tar");
        CompletableFuture<String> done = new CompletableFuture<>();
        OutputDownload d = OutputDownload.start("oci-0", dest.toString(), false, done::complete);
        byte[] a = new byte[100_000];
        Arrays.fill(a, (byte) 'a');
        d.data(a);
        d.data("tail".getBytes(StandardCharsets.UTF_8));
        Thread.sleep(100);
        assertThat(dest).as("not at the dest before the daemon's complete end").doesNotExist();
        d.end("");
        assertThat(done.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(Files.size(dest)).isEqualTo(100_004);
        assertThat(names(dest.getParent())).containsExactly("img.tar");
    }

    @Test
    void anAbortedFileLeavesNothing() throws Exception {
        Path dest = tmp.resolve("img.tar");
        Files.writeString(dest, "the previous archive");
        CompletableFuture<String> done = new CompletableFuture<>();
        OutputDownload d = OutputDownload.start("oci-0", dest.toString(), false, done::complete);
        d.data(new byte[300_000]);
        d.end("the build did not complete this output");
        assertThat(done.get(10, TimeUnit.SECONDS)).contains("the build did not complete this output");
        assertThat(Files.readString(dest)).isEqualTo("the previous archive");
        assertThat(names(tmp)).containsExactly("img.tar");

        CompletableFuture<String> dropped = new CompletableFuture<>();
        OutputDownload d2 = OutputDownload.start("oci-1", tmp.resolve("other.tar").toString(), false, dropped::complete);
        d2.data(new byte[1000]);
        d2.abort("the session with the daemon ended");
        assertThat(dropped.get(10, TimeUnit.SECONDS)).contains("the session with the daemon ended");
        assertThat(names(tmp)).containsExactly("img.tar");
    }

    @Test
    void aDirectoryOutputIsTheTarUnpackedReplacingTheDest() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/conf"), "key=value\n");
        Files.setPosixFilePermissions(src.resolve("etc/conf"), PosixFilePermissions.fromString("rw-r-----"));
        Files.createSymbolicLink(src.resolve("link"), Path.of("etc/conf"));
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        LayerWriter.writeTar(src, LayerSource.TREE, Optional.empty(), tar);

        Path dest = Files.createDirectories(tmp.resolve("out/fs"));
        Files.writeString(dest.resolve("stale"), "from an earlier build");
        CompletableFuture<String> done = new CompletableFuture<>();
        OutputDownload d = OutputDownload.start("local-0", dest.toString(), true, done::complete);
        byte[] bytes = tar.toByteArray();
        for (int off = 0; off < bytes.length; off += 1000) {
            d.data(Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + 1000)));
        }
        d.end("");
        assertThat(done.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(names(dest)).containsExactly("etc", "link");
        assertThat(Files.readString(dest.resolve("etc/conf"))).isEqualTo("key=value\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("etc/conf"))))
                .isEqualTo("rw-r-----");
        assertThat(Files.readSymbolicLink(dest.resolve("link"))).isEqualTo(Path.of("etc/conf"));
        assertThat(names(tmp.resolve("out"))).containsExactly("fs");
    }

    @Test
    void anAbortedDirectoryKeepsTheOldOne() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("fs"));
        Files.writeString(dest.resolve("old"), "kept");
        CompletableFuture<String> done = new CompletableFuture<>();
        OutputDownload d = OutputDownload.start("local-0", dest.toString(), true, done::complete);
        d.data(new byte[512]);
        d.end("cancelled");
        assertThat(done.get(10, TimeUnit.SECONDS)).isNotEmpty();
        assertThat(names(tmp)).containsExactly("fs");
        assertThat(names(dest)).containsExactly("old");
    }
}
