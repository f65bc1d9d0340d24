package dev.kiln.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The lifecycle rules and on-disk layout shared by the directory-backed snapshotters: each snapshot
 * is {@code root/snapshots/<id>/fs}, metadata is a {@link SnapshotTable} in {@code root/metadata},
 * an exclusive file lock on {@code root/lock} keeps a second instance (in this or another
 * process) off the same root until {@link #close()}, and {@code root/kind} keeps a snapshotter of
 * the other kind off it for good ({@link SnapshotterKind}).
 *
 * <p>Ordering keeps the directory consistent across crashes: a snapshot's directory is created
 * before its metadata row and deleted after it, so a crash leaves at worst an orphan directory,
 * which the next instance deletes when it opens the root. Subclasses supply the mounts and any extra
 * per-snapshot files through the hooks below.
 */
abstract class DirectorySnapshotter implements Snapshotter {

    protected final Path root;
    protected final Path snapshotsDir;
    private final SnapshotTable table;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private boolean closed;

    protected DirectorySnapshotter(Path root, SnapshotterKind kind) {
        this.root = root.toAbsolutePath().normalize();
        this.snapshotsDir = this.root.resolve("snapshots");
        try {
            Files.createDirectories(snapshotsDir);
            lockChannel = FileChannel.open(this.root.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock acquired;
            try {
                acquired = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                acquired = null;
            }
            if (acquired == null) {
                lockChannel.close();
                throw new SnapshotException("snapshot root " + this.root + " is in use by another snapshotter");
            }
            lock = acquired;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open snapshot root " + this.root, e);
        }
        try {
            kind.claim(this.root);
        } catch (RuntimeException e) {
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        table = SnapshotTable.load(this.root.resolve("metadata"));
    }

    /** Deletes snapshot directories without a metadata row (left by a crash); call once from the subclass constructor. */
    protected final synchronized void removeOrphans() {
        Set<String> known = new HashSet<>();
        table.all().forEach(r -> known.add(Long.toString(r.id())));
        try (Stream<Path> dirs = Files.list(snapshotsDir)) {
            for (Path dir : dirs.toList()) {
                if (!known.contains(dir.getFileName().toString())) {
                    deleteTree(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + snapshotsDir, e);
        }
    }

    /** Fills a new snapshot's directory (already holding an empty {@code fs}) before its row is written. */
    protected abstract void populate(SnapshotRecord record, Path dir, List<SnapshotRecord> parents) throws IOException;

    /** The mounts of an active or view snapshot; {@code parents} is its committed chain, nearest first. */
    protected abstract List<Mount> mountsFor(SnapshotRecord record, List<SnapshotRecord> parents);

    /** Called after a snapshot's row and directory are gone. */
    protected void afterRemove(SnapshotRecord record) throws IOException {}

    @Override
    public List<Mount> prepare(String key, Optional<String> parent) {
        return create(key, parent, Info.Kind.ACTIVE);
    }

    @Override
    public List<Mount> view(String key, Optional<String> parent) {
        return create(key, parent, Info.Kind.VIEW);
    }

    private synchronized List<Mount> create(String key, Optional<String> parent, Info.Kind kind) {
        checkOpen();
        checkName(key);
        Objects.requireNonNull(parent, "parent");
        if (table.get(key).isPresent()) {
            throw new SnapshotException("snapshot " + key + " already exists");
        }
        Optional<SnapshotRecord> parentRecord = parent.map(this::requireCommitted);
        SnapshotRecord record = new SnapshotRecord(table.allocateId(), key, kind,
                parentRecord.map(SnapshotRecord::id), Instant.now());
        Path dir = dirOf(record);
        List<SnapshotRecord> chain = chainOf(record);
        try {
            Files.createDirectories(dir.resolve("fs"));
            populate(record, dir, chain);
            table.add(record);
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(dir);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new SnapshotException("cannot create snapshot " + key + ": " + io, io);
            }
            throw (RuntimeException) e;
        }
        return mountsFor(record, chain);
    }

    @Override
    public synchronized List<Mount> mounts(String key) {
        checkOpen();
        SnapshotRecord record = require(key);
        if (record.kind() == Info.Kind.COMMITTED) {
            throw new SnapshotException("snapshot " + key + " is committed; prepare or view a child to mount it");
        }
        return mountsFor(record, chainOf(record));
    }

    @Override
    public synchronized void commit(String name, String activeKey) {
        checkOpen();
        checkName(name);
        SnapshotRecord record = require(activeKey);
        if (record.kind() != Info.Kind.ACTIVE) {
            throw new SnapshotException("snapshot " + activeKey + " is " + record.kind() + ", only an active snapshot can be committed");
        }
        if (!name.equals(activeKey) && table.get(name).isPresent()) {
            throw new SnapshotException("snapshot " + name + " already exists");
        }
        table.replace(activeKey, record.committedAs(name));
    }

    @Override
    public synchronized void remove(String key) {
        checkOpen();
        SnapshotRecord record = require(key);
        if (record.kind() == Info.Kind.COMMITTED && table.hasChildren(record.id())) {
            throw new SnapshotException("cannot remove snapshot " + key + ": other snapshots have it as parent");
        }
        table.remove(key);
        deleteTree(dirOf(record));
        try {
            afterRemove(record);
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot " + key + " removed, but cleaning up after it failed", e);
        }
    }

    @Override
    public synchronized Optional<Info> stat(String key) {
        checkOpen();
        return table.get(key).map(this::infoOf);
    }

    @Override
    public Usage usage(String key) {
        Path fs = diffDir(key);
        return DiskUsage.of(fs);
    }

    @Override
    public synchronized Path diffDir(String key) {
        checkOpen();
        return dirOf(require(key)).resolve("fs");
    }

    @Override
    public synchronized List<Info> list() {
        checkOpen();
        return table.all().stream().map(this::infoOf).toList();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release lock on " + root, e);
        }
    }

    /** The record of committed snapshot {@code name}, or a {@link SnapshotException} if it is missing or not committed. */
    protected final synchronized SnapshotRecord committed(String name) {
        checkOpen();
        SnapshotRecord record = require(name);
        if (record.kind() != Info.Kind.COMMITTED) {
            throw new SnapshotException("snapshot " + name + " is " + record.kind() + ", not committed");
        }
        return record;
    }

    /** The committed parent of {@code record}, if it has one. */
    protected final synchronized Optional<SnapshotRecord> parentOf(SnapshotRecord record) {
        return chainOf(record).stream().findFirst();
    }

    /** The directory of a snapshot: {@code root/snapshots/<id>}. */
    protected final Path dirOf(SnapshotRecord record) {
        return snapshotsDir.resolve(Long.toString(record.id()));
    }

    /** The committed ancestors of {@code record}, nearest first. */
    protected final List<SnapshotRecord> chainOf(SnapshotRecord record) {
        List<SnapshotRecord> chain = new ArrayList<>();
        Optional<Long> next = record.parentId();
        while (next.isPresent()) {
            long id = next.get();
            SnapshotRecord parent = table.byId(id).orElseThrow(
                    () -> new SnapshotException("snapshot " + record.name() + " has a missing ancestor (id " + id + ")"));
            chain.add(parent);
            next = parent.parentId();
        }
        return chain;
    }

    private Info infoOf(SnapshotRecord record) {
        Optional<String> parent = record.parentId().flatMap(table::byId).map(SnapshotRecord::name);
        return new Info(record.name(), record.kind(), parent, record.created());
    }

    private SnapshotRecord require(String key) {
        return table.get(key).orElseThrow(() -> new SnapshotException("snapshot " + key + " does not exist"));
    }

    private SnapshotRecord requireCommitted(String name) {
        SnapshotRecord record = require(name);
        if (record.kind() != Info.Kind.COMMITTED) {
            throw new SnapshotException("parent snapshot " + name + " is " + record.kind() + ", not committed");
        }
        return record;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("snapshotter on " + root + " is closed");
        }
    }

    private static void checkName(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isBlank()) {
            throw new IllegalArgumentException("snapshot key must not be blank");
        }
    }

    /** Deletes a tree without following symlinks; a missing tree is not an error. */
    static void deleteTree(Path dir) {
        try {
            dev.kiln.common.files.FileTrees.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
