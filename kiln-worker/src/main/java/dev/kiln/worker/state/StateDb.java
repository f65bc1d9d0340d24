package dev.kiln.worker.state;

import dev.kiln.common.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state dir's database, {@code kiln.db}: SQLite in WAL mode. It describes what the files
 * under the state dir mean: cache records, which snapshot holds which unpacked or built layer,
 * the local image store's names, and the measured size of each committed snapshot. Every change is one transaction, so a process killed at
 * any moment leaves either the whole change or none of it.
 *
 * <p>One instance per engine; thread-safe (one connection, used under a lock). Other
 * processes on the same state dir wait on SQLite's busy timeout.
 */
public final class StateDb implements AutoCloseable {
    /** 2 added {@code snapshot_sizes} (kiln du/prune); tables are only ever added. */
    private static final int SCHEMA_VERSION = 2;
    private final Connection conn;
    private final ReentrantLock lock = new ReentrantLock();

    public StateDb(Path stateDir) {
        try {
            Files.createDirectories(stateDir);
            conn = DriverManager.getConnection("jdbc:sqlite:" + stateDir.resolve("kiln.db"));
            try (Statement s = conn.createStatement()) {
                s.execute("PRAGMA busy_timeout=60000");
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("PRAGMA foreign_keys=ON");
            }
            migrate();
        } catch (Exception e) {
            throw new KilnException("cannot open state database in " + stateDir + ": " + e.getMessage(), e);
        }
    }

    private void migrate() throws SQLException {
        transaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS cache_records (
                          key TEXT PRIMARY KEY, results TEXT NOT NULL, description TEXT NOT NULL,
                          created INTEGER NOT NULL, last_used INTEGER NOT NULL)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS layers (
                          snapshot TEXT PRIMARY KEY, diff_id TEXT NOT NULL, digest TEXT NOT NULL,
                          media_type TEXT NOT NULL, size INTEGER NOT NULL, empty INTEGER NOT NULL)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS unpacked (
                          chain_id TEXT PRIMARY KEY, snapshot TEXT NOT NULL)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS images (
                          name TEXT PRIMARY KEY, digest TEXT NOT NULL, media_type TEXT NOT NULL,
                          size INTEGER NOT NULL, created INTEGER NOT NULL)""");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS snapshot_sizes (
                          snapshot TEXT PRIMARY KEY, bytes INTEGER NOT NULL)""");
                s.execute("INSERT OR IGNORE INTO meta (k, v) VALUES ('schema', '" + SCHEMA_VERSION + "')");
                s.execute("UPDATE meta SET v = '" + SCHEMA_VERSION + "' WHERE k = 'schema' AND CAST(v AS INTEGER) < "
                        + SCHEMA_VERSION);
            }
            return null;
        });
    }

    /** A unit of work run inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a transaction: committed if it returns, rolled back if it throws. */
    public <T> T transaction(Work<T> work) {
        lock.lock();
        try {
            conn.setAutoCommit(false);
            try {
                T out = work.run(conn);
                conn.commit();
                return out;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new KilnException("state database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs a query outside any explicit transaction and maps each row. */
    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
        return transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    List<T> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(mapper.map(rs));
                    }
                    return out;
                }
            }
        });
    }

    /** Runs one insert/update/delete in its own transaction; returns the changed row count. */
    public int update(String sql, Object... args) {
        return transaction(c -> update(c, sql, args));
    }

    /** Runs one statement inside a caller's transaction. */
    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    /** Maps one result row. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @Override
    public void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            // closing at exit: nothing left to protect
        }
    }
}
