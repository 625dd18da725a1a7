package io.pgactive.tools.store;

import io.pgactive.tools.snapshot.VersionSequence;
import io.pgactive.tools.sql.SqlFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite history file: opens it in WAL mode, brings the schema up to date, and hands out connections. One writer
 * connection (SQLite admits one writer at a time, so more would only queue on its lock) and a few pooled readers,
 * which WAL lets run alongside the writer.
 */
public final class HistoryDb implements AutoCloseable {

    static final String MIGRATIONS = "db/migrations.txt";
    private static final int READERS = 4;

    private final Path path;
    private final Connection writer;
    private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Connection> opened = new ArrayList<>();
    private volatile boolean closed;

    private HistoryDb(Path path) throws SQLException {
        this.path = path;
        this.writer = connect(false);
        try (Statement s = writer.createStatement()) {
            // checkpoint about every 4 MB of WAL and truncate it afterwards: the WAL counts against the disk budget
            s.execute("PRAGMA wal_autocheckpoint = 256");
            s.execute("PRAGMA journal_size_limit = 8388608");
        }
    }

    /** Opens (creating if needed) the file and applies pending migrations; fails start-up on an unusable file. */
    public static HistoryDb open(Path path) {
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            HistoryDb db = new HistoryDb(path);
            db.migrate();
            return db;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot create the folder of the history database " + path + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the history database " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    private Connection connect(boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode: a process crash loses nothing committed; a power cut may lose the last transactions,
        // which is why the version mark commits with FULL (see reserveVersions)
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(5_000);
        config.setReadOnly(readOnly);
        Connection c = config.createConnection("jdbc:sqlite:" + path.toAbsolutePath());
        synchronized (opened) {
            opened.add(c);
        }
        return c;
    }

    /** The single writer connection; only the store's writer thread (and start-up) may use it. */
    Connection writer() {
        return writer;
    }

    /** Runs a read on a pooled read-only connection. */
    public <T> T read(SqlFunction<T> query) {
        if (closed) {
            throw new IllegalStateException("history database closed");
        }
        Connection c = readers.poll();
        try {
            if (c == null) {
                c = connect(true);
            }
            return query.apply(c);
        } catch (SQLException e) {
            throw new StoreException("history query failed: " + e.getMessage(), e);
        } finally {
            if (c != null && !readers.offer(c)) {
                quietClose(c);
            }
        }
    }

    /** A JDBC step that may throw. */
    @FunctionalInterface
    public interface SqlFunction<T> {
        T apply(Connection c) throws SQLException;
    }

    private void migrate() throws SQLException {
        try (Statement s = writer.createStatement()) {
            boolean fresh;
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                fresh = rs.getInt(1) == 0;
            }
            if (fresh) {
                // Both settle the file's layout, so only a new, empty file gets them, outside WAL mode (which fixes the
                // page size). 16 KB pages pack several deflated snapshots (2-8 KB) where 4 KB pages hold one each and
                // waste the rest; incremental auto-vacuum lets retention hand freed pages back to the file system.
                s.execute("PRAGMA journal_mode = DELETE");
                s.execute("PRAGMA page_size = 16384");
                s.execute("PRAGMA auto_vacuum = INCREMENTAL");
                s.execute("VACUUM");
                s.execute("PRAGMA journal_mode = WAL");
            }
            s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    + " applied_at INTEGER NOT NULL)");
        }
        int current;
        try (Statement s = writer.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
            current = rs.getInt(1);
        }
        List<String> names = SqlFiles.resource(MIGRATIONS)
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        if (current > names.size()) {
            throw new SQLException("database schema version " + current + " is newer than this release knows ("
                    + names.size() + "); refusing to write to it");
        }
        for (int v = current + 1; v <= names.size(); v++) {
            String name = names.get(v - 1);
            writer.setAutoCommit(false);
            try (Statement s = writer.createStatement()) {
                for (String statement : statements(SqlFiles.resource("db/migration/" + name))) {
                    s.execute(statement);
                }
                try (PreparedStatement p = writer.prepareStatement("INSERT INTO schema_version VALUES (?, ?, ?)")) {
                    p.setInt(1, v);
                    p.setString(2, name);
                    p.setLong(3, System.currentTimeMillis());
                    p.executeUpdate();
                }
                writer.commit();
            } catch (SQLException e) {
                writer.rollback();
                throw new SQLException("migration " + name + " failed: " + e.getMessage(), e);
            } finally {
                writer.setAutoCommit(true);
            }
        }
    }

    /** Splits a migration on semicolons that end a line; comments are stripped first. */
    static List<String> statements(String sql) {
        StringBuilder clean = new StringBuilder();
        sql.lines()
                .map(l -> l.replaceAll("--.*$", ""))
                .forEach(l -> clean.append(l).append('\n'));
        List<String> out = new ArrayList<>();
        for (String part : clean.toString().split(";\\s*\n")) {
            if (!part.isBlank()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    /**
     * The version high-water mark, on its own connection committing with synchronous=FULL: once reserve returns,
     * the mark survives a crash or a power cut. {@code legacyFloor} is a mark kept elsewhere by an older release.
     */
    public VersionSequence.Mark versionMark(long legacyFloor) {
        return new VersionSequence.Mark() {
            @Override
            public long read() {
                // not the writer connection: the store's thread may be using it already
                try (Statement s = markConnection().createStatement();
                        ResultSet rs = s.executeQuery(StoreSql.VERSION_MARK_READ)) {
                    return Math.max(rs.getLong(1), legacyFloor);
                } catch (SQLException e) {
                    throw new StoreException("cannot read the snapshot version mark: " + e.getMessage(), e);
                }
            }

            @Override
            public synchronized void reserve(long upTo) {
                try {
                    Connection c = markConnection();
                    try (PreparedStatement p = c.prepareStatement(StoreSql.VERSION_MARK_RESERVE)) {
                        p.setLong(1, upTo);
                        p.executeUpdate();
                    }
                } catch (SQLException e) {
                    throw new StoreException("cannot persist the snapshot version mark: " + e.getMessage(), e);
                }
            }
        };
    }

    private Connection markConnection;

    private synchronized Connection markConnection() throws SQLException {
        if (markConnection == null) {
            markConnection = connect(false);
            try (Statement s = markConnection.createStatement()) {
                s.execute("PRAGMA synchronous = FULL");
            }
        }
        return markConnection;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (opened) {
            opened.forEach(HistoryDb::quietClose);
            opened.clear();
        }
    }

    private static void quietClose(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // closing is best effort; the file stays consistent either way
        }
    }
}
