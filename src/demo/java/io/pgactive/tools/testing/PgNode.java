package io.pgactive.tools.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One real PostgreSQL server (zonky embedded binaries) on 127.0.0.1.
 *
 * <p>TCP logins use scram-sha-256, so passwords are really checked. Two roles exist: {@code postgres}
 * (used by the harness itself, password known only to this JVM) and {@code monitor} (a superuser with a
 * per-node random password, the identity handed to the service under test through {@link #dsn()}).
 */
public final class PgNode implements AutoCloseable {

    public static final String MONITOR_USER = "monitor";
    public static final String DATABASE = "postgres";

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final Path workDir;
    private final Path dataDir;
    private final int port;
    private final String password;
    private final boolean standby;

    private EmbeddedPostgres pg;
    private PgactiveFixture pgactive;
    private volatile long lastPid;
    private boolean frozen;
    private boolean closed;
    private final List<Long> frozenPids = new ArrayList<>();

    private PgNode(String name, Path workDir, int port, String password, boolean standby) {
        this.name = name;
        this.workDir = workDir.toAbsolutePath();
        this.dataDir = this.workDir.resolve("data");
        this.port = port;
        this.password = password;
        this.standby = standby;
    }

    // ------------------------------------------------------------------ creation

    /** Creates and starts a fresh primary named {@code name} whose files live in {@code workDir/name}. */
    public static PgNode create(String name, Path workDir) {
        Path dir = workDir.resolve(name);
        try {
            // a leftover from an earlier run would mix old files into the fresh copy
            deleteTree(dir);
            Files.createDirectories(dir);
            PgTemplate.copyInto(dir.resolve("data"));
            // each node gets its own system identifier, as a separately initdb'ed server would
            ControlFile.setSystemIdentifier(dir.resolve("data"), ControlFile.newSystemIdentifier());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare data directory for " + name, e);
        }
        PgNode node = new PgNode(name, dir, freePort(), randomPassword(), false);
        node.start();
        node.execute("ALTER ROLE " + MONITOR_USER + " PASSWORD '" + node.password + "'");
        return node;
    }

    /**
     * Creates a physical streaming standby of this node, without pg_basebackup: slot, low-level backup API,
     * file copy, {@code standby.signal} and {@code primary_conninfo}. Returns once the standby streams.
     */
    public PgNode createStandby(String standbyName) {
        String slot = slotNameFor(standbyName);
        Path dir = workDir.getParent().resolve(standbyName);
        Path copy = dir.resolve("data");
        deleteTree(dir);
        try (Connection c = connect();
                Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            Files.createDirectories(dir);
            // the backup must begin and end on the same session
            st.execute("SELECT pg_backup_start('" + standbyName + "', true)");
            String labelFile;
            try {
                DataDirCopier.copyForBackup(dataDir, copy);
            } finally {
                try (ResultSet rs = st.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
                    rs.next();
                    labelFile = rs.getString(1);
                }
            }
            Files.writeString(copy.resolve("backup_label"), labelFile, StandardCharsets.UTF_8);
            Files.writeString(copy.resolve("standby.signal"), "");
            String conninfo = "host=127.0.0.1 port=" + port + " user=postgres password=" + PgTemplate.adminPassword()
                    + " application_name=" + standbyName;
            Files.writeString(
                    copy.resolve("postgresql.auto.conf"),
                    "\nprimary_conninfo = '" + conninfo + "'\nprimary_slot_name = '" + slot + "'\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot take base backup of " + name, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy data directory of " + name, e);
        }
        // roles live in the shared catalog, so the standby accepts the primary's monitor password
        PgNode sb = new PgNode(standbyName, dir, freePort(), password, true);
        sb.start();
        sb.awaitStreaming(Duration.ofSeconds(60));
        return sb;
    }

    static String slotNameFor(String standbyName) {
        return (standbyName.toLowerCase(Locale.ROOT) + "_slot").replaceAll("[^a-z0-9_]", "_");
    }

    // ------------------------------------------------------------------ accessors

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }
    /** The monitor role's password on this node. */
    public String password() {
        return password;
    }

    public String user() {
        return MONITOR_USER;
    }

    public Path workDir() {
        return workDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    public boolean isStandby() {
        return standby;
    }

    public boolean isFrozen() {
        return frozen;
    }

    public boolean isRunning() {
        return pg != null;
    }

    /** {@code postgres://monitor:<password>@127.0.0.1:<port>/postgres}. */
    public String dsn() {
        return "postgres://" + MONITOR_USER + ":" + password + "@127.0.0.1:" + port + "/" + DATABASE;
    }

    /** libpq keyword form of {@link #dsn()}. */
    public String conninfo() {
        return "host=127.0.0.1 port=" + port + " dbname=" + DATABASE + " user=" + MONITOR_USER + " password="
                + password;
    }

    /** JDBC URL without credentials. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Harness-only conninfo (superuser {@code postgres}) that other nodes use to replicate from this one. */
    String adminConninfo() {
        return "host=127.0.0.1 port=" + port + " dbname=" + DATABASE + " user=postgres password="
                + PgTemplate.adminPassword();
    }

    /** A superuser connection (role {@code postgres}). */
    public Connection connect() throws SQLException {
        return connect(Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    /** A superuser connection with explicit connect and socket timeouts. */
    public Connection connect(Duration connectTimeout, Duration socketTimeout) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", PgTemplate.adminPassword());
        p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
        p.setProperty("socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
        p.setProperty("loginTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
        p.setProperty("ApplicationName", "pgactive-harness");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** A connection as the monitor role, authenticated with {@code pw}. */
    public Connection connectAsMonitor(String pw, Duration timeout) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", MONITOR_USER);
        p.setProperty("password", pw);
        p.setProperty("connectTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        p.setProperty("socketTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        p.setProperty("loginTimeout", Long.toString(Math.max(1, timeout.toSeconds())));
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** Runs one or more statements as superuser. */
    public void execute(String sql) {
        try (Connection c = connect();
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** Runs a parameterised statement as superuser and returns the update count. */
    public int update(String sql, Object... params) {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** First column of the first row as a long; fails when there is no row or the value is NULL. */
    public long queryLong(String sql, Object... params) {
        OptionalLong v = queryOptionalLong(sql, params);
        if (v.isEmpty()) {
            throw new IllegalStateException(name + ": no value for " + sql);
        }
        return v.getAsLong();
    }

    /** First column of the first row as a long, empty when there is no row or the value is NULL. */
    public OptionalLong queryOptionalLong(String sql, Object... params) {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return OptionalLong.empty();
                }
                long v = rs.getLong(1);
                return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** First column of the first row as text, or null. */
    public String queryString(String sql, Object... params) {
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof Instant) {
                ps.setTimestamp(i + 1, Timestamp.from((Instant) p));
            } else if (p instanceof Character) {
                ps.setString(i + 1, p.toString());
            } else {
                ps.setObject(i + 1, p);
            }
        }
    }

    /** The PostgreSQL system identifier (pg_control). */
    public String systemIdentifier() {
        return queryString("SELECT system_identifier::text FROM pg_control_system()");
    }

    // ------------------------------------------------------------------ replication helpers

    /** Waits until this standby's WAL receiver reports {@code streaming}. */
    public void awaitStreaming(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String status = null;
        while (System.nanoTime() < deadline) {
            try {
                status = queryString("SELECT status FROM pg_stat_wal_receiver");
                if ("streaming".equals(status)) {
                    return;
                }
            } catch (IllegalStateException ignored) {
                // not accepting connections yet
            }
            pause(100);
        }
        throw new IllegalStateException(name + " is not streaming (wal receiver status " + status + ")");
    }

    /** Promotes this standby and waits until it leaves recovery. */
    public void promote() {
        execute("SELECT pg_promote(true, 60)");
    }

    /** Whether the server is in recovery (a standby). */
    public boolean inRecovery() {
        return Boolean.parseBoolean(queryString("SELECT pg_is_in_recovery()::text"));
    }

    /** {@code CREATE TABLE name (columns)}, e.g. {@code createTable("t", "id int PRIMARY KEY, v text")}. */
    public void createTable(String table, String columns) {
        execute("CREATE TABLE " + table + " (" + columns + ")");
    }

    /** {@code CREATE PUBLICATION pubName FOR TABLE tables} ({@code tables} is a comma separated list). */
    public void publish(String pubName, String tables) {
        execute("CREATE PUBLICATION " + pubName + " FOR TABLE " + tables);
    }

    /**
     * Subscribes this node to {@code pubName} on {@code publisher}. With {@code originNone} only changes that
     * originated on the publisher are received, which is what makes bidirectional replication loop free; the
     * initial copy is then skipped, since both sides are expected to start empty.
     */
    public void subscribe(String subName, PgNode publisher, String pubName, boolean originNone) {
        String opts = originNone ? "origin = none, copy_data = false" : "copy_data = true";
        execute("CREATE SUBSCRIPTION " + subName + " CONNECTION '" + publisher.adminConninfo() + "' PUBLICATION "
                + pubName + " WITH (" + opts + ")");
    }

    public void disableSubscription(String subName) {
        execute("ALTER SUBSCRIPTION " + subName + " DISABLE");
    }

    public void enableSubscription(String subName) {
        execute("ALTER SUBSCRIPTION " + subName + " ENABLE");
    }

    /** Bytes between the current WAL position and the slot's confirmed (logical) or restart (physical) LSN. */
    public long slotLagBytes(String slotName) {
        return queryLong(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(confirmed_flush_lsn, restart_lsn))::bigint"
                        + " FROM pg_replication_slots WHERE slot_name = ?",
                slotName);
    }

    /** Whether a walsender is attached to the slot. */
    public boolean slotActive(String slotName) {
        return Boolean.parseBoolean(
                queryString("SELECT active::text FROM pg_replication_slots WHERE slot_name = ?", slotName));
    }

    // ------------------------------------------------------------------ pgactive catalog fixture

    /** Installs the pgactive 2.1.9 catalog fixture and registers this node as a ready member. */
    public PgactiveFixture installPgactiveFixture(String sysid, String nodeName) {
        return installPgactiveFixture(sysid, nodeName, PgactiveFixture.Catalog.V2_1_9);
    }

    /** Installs the pgactive catalog fixture of the given generation and registers this node as a ready member. */
    public PgactiveFixture installPgactiveFixture(String sysid, String nodeName, PgactiveFixture.Catalog catalog) {
        pgactive = PgactiveFixture.install(this, sysid, nodeName, catalog);
        return pgactive;
    }

    /** The fixture installed by {@link #installPgactiveFixture}, or null. */
    public PgactiveFixture pgactive() {
        return pgactive;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts the server (again) on the same port and data directory. */
    public synchronized void start() {
        if (pg != null) {
            return;
        }
        IllegalStateException last = null;
        // registered before the attempt, so a postmaster that starts but is never confirmed is still cleaned up
        NodeRegistry.register(this);
        // after kill() the old children may need a moment to notice their postmaster is gone
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                Files.deleteIfExists(dataDir.resolve("epg-lock"));
                pg = EmbeddedPostgres.builder()
                        .setDataDirectory(dataDir)
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .setRegisterShutdownHook(false)
                        .setPGStartupWait(STARTUP_WAIT)
                        // zonky passes its own defaults as -c options, which beat postgresql.conf
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("max_connections", "30")
                        .setConnectConfig("password", PgTemplate.adminPassword())
                        .setOutputRedirector(Redirect.appendTo(
                                workDir.resolve("postgres.log").toFile()))
                        .setErrorRedirector(Redirect.appendTo(
                                workDir.resolve("postgres.log").toFile()))
                        .start();
                lastPid = readPostmasterPid(dataDir).orElse(0);
                NodeRegistry.register(this);
                return;
            } catch (IOException | RuntimeException e) {
                last = new IllegalStateException(
                        "cannot start " + name + " on port " + port + ": " + e.getMessage() + "\n" + tailLog(), e);
                pg = null;
                postmasterPid().ifPresent(PgNode::killTree);
                pause(500);
            }
        }
        NodeRegistry.unregister(this);
        throw last;
    }

    /** Fast shutdown; the port and data stay reserved for {@link #start()}. */
    public synchronized void stop() {
        if (frozen) {
            thaw();
        }
        if (pg == null) {
            return;
        }
        long pid = postmasterPid().orElse(-1);
        try {
            pg.close();
        } catch (IOException | RuntimeException ignored) {
            // handled below: whatever pg_ctl did, the postmaster must be gone afterwards
        }
        pg = null;
        if (pid > 0 && !awaitExit(pid, Duration.ofSeconds(20))) {
            killTree(pid);
        }
        NodeRegistry.unregister(this);
    }

    /** SIGKILLs the postmaster and its children, as a host crash would. {@link #start()} recovers. */
    public synchronized void kill() {
        long pid = postmasterPid().orElse(-1);
        if (pid > 0) {
            killTree(pid);
        }
        frozen = false;
        frozenPids.clear();
        if (pg != null) {
            // releases zonky's lock; its pg_ctl stop finds no server, which is expected here
            try {
                pg.close();
            } catch (IOException | RuntimeException ignored) {
                // nothing left to stop
            }
            pg = null;
        }
        NodeRegistry.unregister(this);
    }

    /**
     * SIGSTOPs the postmaster and every descendant: the kernel still completes TCP handshakes, but nothing
     * ever answers, on new or existing connections.
     */
    public synchronized void freeze() {
        if (frozen || pg == null) {
            return;
        }
        long pid = postmasterPid().orElseThrow(() -> new IllegalStateException(name + " has no postmaster.pid"));
        // stop the postmaster first so it cannot fork new children while we collect them
        signal("STOP", List.of(pid));
        frozenPids.clear();
        frozenPids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> frozenPids.add(d.pid())));
        signal("STOP", frozenPids);
        frozen = true;
    }

    /** Resumes a frozen node. */
    public synchronized void thaw() {
        if (!frozen) {
            return;
        }
        signal("CONT", frozenPids);
        frozenPids.clear();
        frozen = false;
    }

    /** Stops the server and deletes its work directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        thaw();
        try {
            stop();
        } catch (RuntimeException e) {
            kill();
        }
        deleteTree(workDir);
    }

    /** Pid of the running postmaster, read from {@code postmaster.pid}. */
    public OptionalLong postmasterPid() {
        OptionalLong fromFile = readPostmasterPid(dataDir);
        if (fromFile.isPresent()) {
            return fromFile;
        }
        // postmaster.pid can vanish under a live server (data directory deleted); fall back to the pid seen at start
        long pid = lastPid;
        return pid > 0 && isPostmasterOf(pid, dataDir) ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    /** Pid seen when the server last started, kept for the registry's watchdog. */
    long lastPid() {
        return lastPid;
    }

    static boolean isPostmasterOf(long pid, Path dataDir) {
        try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
            return cmd.contains(dataDir.toString());
        } catch (IOException e) {
            return false;
        }
    }

    static OptionalLong readPostmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            if (lines.isEmpty()) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            return ProcessHandle.of(pid).isPresent() ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Resident set size in kB of the postmaster and all its children (from /proc). */
    public long rssKb() {
        return sumOverProcesses("status", "VmRSS:");
    }

    /** Proportional set size in kB (shared memory divided between the processes that map it). */
    public long pssKb() {
        return sumOverProcesses("smaps_rollup", "Pss:");
    }

    /** One /proc field summed over the postmaster and its descendants; 0 when the server is not running. */
    private long sumOverProcesses(String procFile, String field) {
        long pid = postmasterPid().orElse(-1);
        if (pid <= 0) {
            return 0;
        }
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        long total = 0;
        for (long p : pids) {
            total += statusField(Path.of("/proc/" + p + "/" + procFile), field);
        }
        return total;
    }

    static long rssKbOf(long pid) {
        return statusField(Path.of("/proc/" + pid + "/status"), "VmRSS:");
    }

    private static long statusField(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // process went away
        }
        return 0;
    }

    // ------------------------------------------------------------------ internals

    static void killTree(long pid) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> {
            pids.add(pid);
            h.descendants().forEach(d -> pids.add(d.pid()));
        });
        if (pids.isEmpty()) {
            return;
        }
        signal("KILL", pids);
        for (long p : pids) {
            awaitExit(p, Duration.ofSeconds(10));
        }
    }

    /**
     * Polls instead of ProcessHandle.onExit(): the postmaster is not our child, and onExit's polling of
     * foreign processes reacts slowly, which made closing 50 nodes take minutes.
     */
    static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true) || isZombie(pid)) {
                return true;
            }
            pause(10);
        }
        return false;
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return true;
        }
    }

    static void signal(String sig, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add("kill");
        cmd.add("-" + sig);
        pids.forEach(p -> cmd.add(Long.toString(p)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (InputStream in = p.getInputStream()) {
                in.readAllBytes();
            }
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String tailLog() {
        try {
            List<String> lines = Files.readAllLines(workDir.resolve("postgres.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    static int freePort() {
        return PortAllocator.next();
    }

    static String randomPassword() {
        String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder sb = new StringBuilder("pw-");
        for (int i = 0; i < 20; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return name + "@127.0.0.1:" + port + (standby ? " (standby)" : "");
    }
}
