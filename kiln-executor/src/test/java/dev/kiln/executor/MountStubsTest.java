package dev.kiln.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountStubsTest {

    @TempDir
    Path root;

    @Test
    void removesOnlyWhatWasMissingAndIsStillEmpty() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        Files.writeString(root.resolve("etc/passwd"), "x");
        Files.setLastModifiedTime(root.resolve("etc"), old);
        MountStubs stubs = MountStubs.record(root, List.of("/etc/hosts", "/etc/passwd", "/a/b/c", "/keep/me", "/file"));
        assertThat(stubs.missing()).containsExactly(root.resolve("etc/hosts"), root.resolve("a"), root.resolve("a/b"),
                root.resolve("a/b/c"), root.resolve("keep"), root.resolve("keep/me"), root.resolve("file"));
        // what a runtime does: empty stubs; and what the process did: write into one of them
        Files.createFile(root.resolve("etc/hosts"));
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("keep/me"));
        Files.writeString(root.resolve("keep/me/data"), "written by the RUN");
        Files.writeString(root.resolve("file"), "not empty");

        stubs.clean();

        assertThat(root.resolve("etc/hosts")).doesNotExist();
        assertThat(root.resolve("etc/passwd")).exists();
        assertThat(Files.getLastModifiedTime(root.resolve("etc"))).isEqualTo(old);
        assertThat(root.resolve("a")).doesNotExist();
        assertThat(root.resolve("keep/me/data")).exists();
        assertThat(root.resolve("file")).exists();
    }

    @Test
    void followsSymlinksInsideTheRootfs() throws Exception {
        Files.createDirectories(root.resolve("run/systemd"));
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("etc/resolv.conf"), Path.of("/run/systemd/resolv.conf"));
        MountStubs stubs = MountStubs.record(root, List.of("/etc/resolv.conf"));
        assertThat(stubs.missing()).containsExactly(root.resolve("run/systemd/resolv.conf"));
        assertThat(RootfsPath.resolve(root, "/../../etc/../etc/resolv.conf")).isEqualTo(root.resolve("run/systemd/resolv.conf"));
    }
}
