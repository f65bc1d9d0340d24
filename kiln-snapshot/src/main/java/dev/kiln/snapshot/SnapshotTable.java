package dev.kiln.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The snapshot metadata of one state directory: name → id, kind, parent, creation time, and the next
 * free id. It lives in a single small text file that is rewritten whole on every change: written to
 * {@code metadata.tmp}, forced to disk, renamed over {@code metadata} and the directory forced. A
 * change is therefore atomic: after a crash the file holds either the old or the new table, never a
 * mix — in particular {@link #replace commit} flips a snapshot from active to committed in one rename.
 *
 * <p>File format (UTF-8, one record per line, fields separated by a tab):
 * <pre>
 * kiln-snapshots 1 &lt;next-id&gt;
 * &lt;id&gt; &lt;KIND&gt; &lt;created-epoch-ms&gt; &lt;parent-id or -&gt; &lt;url-encoded name&gt;
 * </pre>
 *
 * <p>Not thread-safe: the owning snapshotter serialises access.
 */
final class SnapshotTable {

    private static final String HEADER = "kiln-snapshots\t1\t";

    private final Path file;
    private final Path temp;
    private final Map<String, SnapshotRecord> byName = new LinkedHashMap<>();
    private long nextId = 1;

    private SnapshotTable(Path file) {
        this.file = file;
        this.temp = file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Loads the table from {@code file}, or starts an empty one if the file does not exist. */
    static SnapshotTable load(Path file) {
        SnapshotTable table = new SnapshotTable(file);
        try {
            Files.deleteIfExists(table.temp);
            if (!Files.exists(file)) {
                return table;
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.getFirst().startsWith(HEADER)) {
                throw new SnapshotException("snapshot metadata " + file + " has no valid header");
            }
            table.nextId = Long.parseLong(lines.getFirst().substring(HEADER.length()).strip());
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    throw new SnapshotException("snapshot metadata " + file + " has a bad line: " + line);
                }
                SnapshotRecord r = new SnapshotRecord(
                        Long.parseLong(f[0]),
                        URLDecoder.decode(f[4], StandardCharsets.UTF_8),
                        Info.Kind.valueOf(f[1]),
                        f[3].equals("-") ? Optional.empty() : Optional.of(Long.parseLong(f[3])),
                        Instant.ofEpochMilli(Long.parseLong(f[2])));
                table.byName.put(r.name(), r);
            }
            return table;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read snapshot metadata " + file, e);
        } catch (IllegalArgumentException e) {
            throw new SnapshotException("snapshot metadata " + file + " is corrupt: " + e.getMessage(), e);
        }
    }

    Optional<SnapshotRecord> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    Optional<SnapshotRecord> byId(long id) {
        return byName.values().stream().filter(r -> r.id() == id).findFirst();
    }

    Collection<SnapshotRecord> all() {
        return List.copyOf(byName.values());
    }

    boolean hasChildren(long id) {
        return byName.values().stream().anyMatch(r -> r.parentId().equals(Optional.of(id)));
    }

    /** Reserves a fresh id and persists the new counter, so an id is never handed out twice. */
    long allocateId() {
        long id = nextId++;
        save();
        return id;
    }

    /** Adds a record and persists the table. */
    void add(SnapshotRecord record) {
        if (byName.containsKey(record.name())) {
            throw new SnapshotException("snapshot " + record.name() + " already exists");
        }
        byName.put(record.name(), record);
        save();
    }

    /** Replaces the record called {@code oldName} by {@code record} (possibly renamed) in one atomic save. */
    void replace(String oldName, SnapshotRecord record) {
        SnapshotRecord old = byName.remove(oldName);
        byName.put(record.name(), record);
        try {
            save();
        } catch (RuntimeException e) {
            byName.remove(record.name());
            byName.put(oldName, old);
            throw e;
        }
    }

    /** Removes the record called {@code name} and persists the table. */
    void remove(String name) {
        SnapshotRecord old = byName.remove(name);
        try {
            save();
        } catch (RuntimeException e) {
            byName.put(name, old);
            throw e;
        }
    }

    private void save() {
        StringBuilder sb = new StringBuilder(HEADER).append(nextId).append('\n');
        for (SnapshotRecord r : byName.values()) {
            sb.append(r.id()).append('\t')
                    .append(r.kind().name()).append('\t')
                    .append(r.created().toEpochMilli()).append('\t')
                    .append(r.parentId().map(String::valueOf).orElse("-")).append('\t')
                    .append(URLEncoder.encode(r.name(), StandardCharsets.UTF_8)).append('\n');
        }
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new SnapshotException("state directory " + file.getParent() + " does not support atomic rename", e);
            }
            forceDirectory(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write snapshot metadata " + file, e);
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
        }
    }

    /** For tests: the list of records as a new list. */
    List<SnapshotRecord> records() {
        return new ArrayList<>(byName.values());
    }
}
