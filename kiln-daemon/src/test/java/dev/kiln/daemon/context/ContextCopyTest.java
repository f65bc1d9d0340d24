package dev.kiln.daemon.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Syncing a daemon-side context copy from a listing, with a local directory standing in for the client. */
class ContextCopyTest {
    @TempDir
    Path tmp;
    Path client;
    ContextStore store;
    List<String> asked = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        client = Files.createDirectories(tmp.resolve("client"));
        store = new ContextStore(tmp.resolve("contexts"));
    }

    /** What the client offers: an lstat listing, parents first, names sorted. */
    List<FileEntry> listing() throws IOException {
        List<FileEntry> out = new ArrayList<>();
        try (var s = Files.walk(client)) {
            for (Path p : s.sorted().toList()) {
                if (!p.equals(client)) {
                    out.add(FileEntry.stat(client, client.relativize(p).toString()));
                }
            }
        }
        return out;
    }

    FileSource source() {
        return (paths, sink) -> {
            for (String p : paths) {
                asked.add(p);
                byte[] all;
                try (InputStream in = Files.newInputStream(client.resolve(p))) {
                    all = in.readAllBytes();
                }
                int half = all.length / 2;
                sink.chunk(p, all, 0, half, false);
                sink.chunk(p, all, half, all.length - half, true);
            }
        };
    }

    long sync(ContextCopy c) throws Exception {
        c.lock().writeLock().lock();
        try {
            return c.sync(listing(), source());
        } finally {
            c.lock().writeLock().unlock();
        }
    }

    @Test
    void aFirstSyncCopiesEverythingWithModesTimesAndLinks() throws Exception {
        Files.writeString(Files.createDirectories(client.resolve("src/main")).resolve("App.java"), "class App {}");
        Path script = Files.writeString(client.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(script, FileTime.fromMillis(1_600_000_000_123L));
        Files.createSymbolicLink(client.resolve("link"), Path.of("run.sh"));
        ContextCopy c = store.copy("host:/ctx");
        long bytes = sync(c);
        assertThat(bytes).isEqualTo("class App {}".length() + "#!/bin/sh\necho hi\n".length());
        Path t = c.tree();
        assertThat(Files.readString(t.resolve("src/main/App.java"))).isEqualTo("class App {}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(t.resolve("run.sh")))).isEqualTo("rwxr-x---");
        assertThat(Files.getLastModifiedTime(t.resolve("run.sh")).toMillis()).isEqualTo(1_600_000_000_123L);
        assertThat(Files.readSymbolicLink(t.resolve("link"))).isEqualTo(Path.of("run.sh"));
        assertThat(FileEntry.stat(t, "src")).isEqualTo(FileEntry.stat(client, "src"));
    }

    @Test
    void aSecondSyncFetchesOnlyWhatChangedAndRemovesWhatIsGone() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.write(client.resolve("f" + i), new byte[10_000 + i]);
        }
        Files.writeString(Files.createDirectories(client.resolve("old/dir")).resolve("x"), "x");
        ContextCopy c = store.copy("k");
        assertThat(sync(c)).isGreaterThan(200_000);
        asked.clear();
        Files.write(client.resolve("f7"), new byte[1234]);
        deleteTree(client.resolve("old"));
        Files.writeString(client.resolve("new.txt"), "new");
        long bytes = sync(store.copy("k"));
        assertThat(asked).containsExactlyInAnyOrder("f7", "new.txt");
        assertThat(bytes).isEqualTo(1234 + 3);
        assertThat(c.tree().resolve("old")).doesNotExist();
        assertThat(Files.size(c.tree().resolve("f7"))).isEqualTo(1234);
        assertThat(c.matches(listing())).isTrue();
    }

    @Test
    void aTouchedFileIsFetchedAgainButAChmodIsAppliedWithoutFetching() throws Exception {
        Path f = Files.writeString(client.resolve("a"), "aaa");
        Path g = Files.writeString(client.resolve("b"), "bbb");
        ContextCopy c = store.copy("k");
        sync(c);
        asked.clear();
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000));
        Files.setPosixFilePermissions(g, PosixFilePermissions.fromString("rw-------"));
        sync(c);
        assertThat(asked).containsExactly("a");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(c.tree().resolve("b")))).isEqualTo("rw-------");
    }

    @Test
    void aFileThatBecomesADirectoryIsReplaced() throws Exception {
        Files.writeString(client.resolve("x"), "file");
        ContextCopy c = store.copy("k");
        sync(c);
        Files.delete(client.resolve("x"));
        Files.writeString(Files.createDirectories(client.resolve("x")).resolve("inner"), "in");
        sync(c);
        assertThat(Files.readString(c.tree().resolve("x/inner"))).isEqualTo("in");
    }

    @Test
    void aSyncInterruptedBeforeItsManifestWasWrittenStartsOverNextTime() throws Exception {
        Files.writeString(client.resolve("a"), "aaa");
        ContextCopy c = store.copy("k");
        sync(c);
        // a crash mid-sync: the tree changed, the manifest is gone
        Files.delete(c.tree().getParent().resolve("manifest"));
        Files.writeString(c.tree().resolve("junk"), "left over");
        ContextStore reopened = new ContextStore(tmp.resolve("contexts"));
        ContextCopy again = reopened.copy("k");
        asked.clear();
        sync(again);
        assertThat(asked).containsExactly("a");
        assertThat(again.tree().resolve("junk")).doesNotExist();
    }

    @Test
    void listingsThatReachOutsideTheTreeAreRefused() throws Exception {
        ContextCopy c = store.copy("k");
        assertThatThrownBy(() -> new FileEntry("../etc/passwd", 0100644, 1, 0, 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FileEntry("/abs", 0100644, 1, 0, 0, 0, "")).isInstanceOf(IllegalArgumentException.class);
        // a symlink "l" to /tmp, then "l/x": a child of something that is not a listed directory
        List<FileEntry> evil = List.of(new FileEntry("l", 0120777, 0, 0, 0, 0, "/tmp"),
                new FileEntry("l/x", 0100644, 1, 0, 0, 0, ""));
        c.lock().writeLock().lock();
        try {
            assertThatThrownBy(() -> c.sync(evil, source())).hasMessageContaining("before its directory");
        } finally {
            c.lock().writeLock().unlock();
        }
    }

    @Test
    void aClientThatSendsWhatWasNotAskedForIsRefused() throws Exception {
        Files.writeString(client.resolve("a"), "aaa");
        ContextCopy c = store.copy("k");
        c.lock().writeLock().lock();
        try {
            assertThatThrownBy(() -> c.sync(listing(), (paths, sink) -> sink.chunk("../../x", new byte[1], 0, 1, true)))
                    .hasMessageContaining("not asked for");
            assertThatThrownBy(() -> c.sync(listing(), (paths, sink) -> { }))
                    .hasMessageContaining("did not send");
        } finally {
            c.lock().writeLock().unlock();
        }
    }

    @Test
    void syncNeedsTheWriteLock() throws Exception {
        ContextCopy c = store.copy("k");
        assertThatThrownBy(() -> c.sync(List.of(), source())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pruneRemovesIdleCopiesOnly() throws Exception {
        Files.writeString(client.resolve("a"), "a".repeat(5000));
        ContextCopy idle = store.copy("idle");
        sync(idle);
        ContextCopy busy = store.copy("busy");
        sync(busy);
        busy.lock().readLock().lock();
        try {
            long freed = store.prune(java.time.Duration.ZERO);
            assertThat(freed).isGreaterThanOrEqualTo(5000);
        } finally {
            busy.lock().readLock().unlock();
        }
        assertThat(busy.tree().resolve("a")).exists();
        assertThat(idle.tree()).doesNotExist();
        assertThat(Map.of("busy", Files.exists(busy.tree(), LinkOption.NOFOLLOW_LINKS))).containsEntry("busy", true);
    }

    static void deleteTree(Path p) throws IOException {
        dev.kiln.common.files.FileTrees.deleteRecursively(p);
    }
}
