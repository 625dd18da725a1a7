package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.workflow.upgrade.DatabaseProvisioner;
import io.pgactive.tools.workflow.upgrade.ProvisionRequest;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Creates target databases as real PostgreSQL servers on this machine, one per target node, from a directory of
 * binaries per major version.
 *
 * <p>Everything about a server is on disk under {@code stateDir/<node>/}: {@code server.properties} (port, major
 * version, database, tags, whether creation finished), {@code password} (the admin role's, mode 0600, owned by the
 * service's user) and {@code run/} (the data directory and server log, owned by the user PostgreSQL runs as). A
 * process that starts after a kill -9 of an earlier one finds the server through these files and starts it again
 * when it is down; a creation cut short is wiped and redone, since nothing else ever saw it.
 *
 * <p>Servers are started with {@code pg_ctl}, which detaches them: they outlive the service on purpose (an upgrade
 * in progress keeps its target while the service restarts).
 *
 * <p>Decommissioning a configured source closes its application database ({@code ALLOW_CONNECTIONS false}) and ends
 * the sessions still in it; the server and its data stay, and {@code ALTER DATABASE … ALLOW_CONNECTIONS true} from
 * another database undoes it. A source this provisioner created itself is stopped instead, its data kept.
 */
public final class LocalPostgresProvisioner implements DatabaseProvisioner {

    static final String STATE_FILE = "server.properties";
    static final String PASSWORD_FILE = "password";
    private static final String STATE_CREATING = "creating";
    private static final String STATE_READY = "ready";
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private static final String DATABASE_EXISTS = "SELECT 1 FROM pg_database WHERE datname = ?";
    private static final String SERVER_MAJOR = "SELECT current_setting('server_version_num')::int / 10000";
    private static final String CLOSE_DATABASE =
            "SELECT format('ALTER DATABASE %I WITH ALLOW_CONNECTIONS false', datname) FROM pg_database WHERE datname = ?";
    private static final String END_SESSIONS = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            + "WHERE datname = ? AND pid <> pg_backend_pid()";

    /** What every server needs for logical replication in both directions, before {@code serverSettings}. */
    private static final Map<String, String> REPLICATION_SETTINGS = Map.of(
            "wal_level", "logical",
            "max_replication_slots", "16",
            "max_wal_senders", "16",
            "max_worker_processes", "16",
            "max_logical_replication_workers", "8",
            "password_encryption", "'scram-sha-256'",
            // a subscriber must not disable its subscription on a transient error; the upgrade watches apply errors
            "wal_sender_timeout", "'60s'");

    private final LocalPostgresSettings settings;

    public LocalPostgresProvisioner(LocalPostgresSettings settings) {
        this.settings = settings;
    }

    // ------------------------------------------------------------------ the port

    @Override
    public DatabaseRef provision(ProvisionRequest request) {
        String node = Identifiers.requireNodeName(request.targetNode());
        Path bin = binariesFor(request.targetMajorVersion());
        return locked(() -> {
            Path dir = nodeDir(node);
            Optional<Properties> existing = readState(dir);
            if (existing.isPresent() && STATE_READY.equals(existing.get().getProperty("state"))) {
                DatabaseRef ref = toRef(existing.get());
                if (ref.majorVersion() != request.targetMajorVersion()
                        || !ref.database().equals(request.source().database())) {
                    throw new UpgradeException(
                            node + " exists already as " + ref.describe() + ", not PostgreSQL "
                                    + request.targetMajorVersion() + " with database "
                                    + request.source().database(),
                            false);
                }
                ensureRunning(dir, ref);
                return ref;
            }
            // a creation cut short: nobody saw this server, so start over rather than guess where it stopped
            wipe(dir, existing.map(this::toRefOrNull).orElse(null));
            return create(dir, node, bin, request);
        });
    }

    @Override
    public Optional<DatabaseRef> find(String targetNode) {
        String node = Identifiers.requireNodeName(targetNode);
        return locked(() -> {
            Path dir = nodeDir(node);
            Optional<Properties> state = readState(dir).filter(p -> STATE_READY.equals(p.getProperty("state")));
            if (state.isEmpty()) {
                return Optional.empty();
            }
            DatabaseRef ref = toRef(state.get());
            // a target that is down helps nobody: whoever looks it up next wants to use it
            ensureRunning(dir, ref);
            return Optional.of(ref);
        });
    }

    @Override
    public Optional<Dsn> dsn(String targetNode) {
        String node = Identifiers.requireNodeName(targetNode);
        Path dir = nodeDir(node);
        return readState(dir)
                .filter(p -> STATE_READY.equals(p.getProperty("state")))
                .map(p -> {
                    DatabaseRef ref = toRef(p);
                    return new Dsn(
                            ref.host(), ref.port(), ref.database(), settings.adminUser(), readPassword(dir), Map.of());
                });
    }

    @Override
    public void remove(String targetNode) {
        String node = Identifiers.requireNodeName(targetNode);
        locked(() -> {
            Path dir = nodeDir(node);
            if (Files.exists(dir)) {
                wipe(dir, readState(dir).map(this::toRefOrNull).orElse(null));
            }
            return null;
        });
    }

    @Override
    public void decommission(DatabaseRef source) {
        Path dir = nodeDir(Identifiers.requireNodeName(source.node()));
        if (readState(dir).isPresent()) {
            locked(() -> {
                stopServer(dir, source);
                return null;
            });
            return;
        }
        Dsn dsn = settings.sourceDsns()
                .resolve(source.node())
                .orElseThrow(() -> new UpgradeException(
                        "no credentials configured for " + source.node() + ": cannot decommission it", false));
        try (Connection c = PgAdmin.connect(source.node(), dsn, "postgres", SQL_TIMEOUT)) {
            String close = single(c, CLOSE_DATABASE, source.database());
            if (close == null) {
                return; // no such database: nothing takes connections
            }
            try (Statement st = c.createStatement()) {
                st.execute(close);
            }
            single(c, END_SESSIONS, source.database());
        } catch (SQLException e) {
            throw PgAdmin.failure(source.node(), dsn, "decommission " + source.database(), e);
        }
    }

    // ------------------------------------------------------------------ creation

    private DatabaseRef create(Path dir, String node, Path bin, ProvisionRequest request) {
        String database = request.source().database();
        DatabaseRef ref = new DatabaseRef(node, settings.host(), freePort(), database, request.targetMajorVersion());
        Properties state = new Properties();
        state.setProperty("node", node);
        state.setProperty("host", ref.host());
        state.setProperty("port", Integer.toString(ref.port()));
        state.setProperty("database", database);
        state.setProperty("major", Integer.toString(ref.majorVersion()));
        state.setProperty("source", request.source().node());
        state.setProperty("instanceClass", request.instanceClass() == null ? "" : request.instanceClass());
        state.setProperty("created", Instant.now().toString());
        request.tags().forEach((k, v) -> state.setProperty("tag." + k, v));
        state.setProperty("state", STATE_CREATING);
        try {
            Files.createDirectories(dir);
            // the server's user must reach run/ but read nothing else here
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            writeState(dir, state);
            String password = randomPassword();
            writePrivate(dir.resolve(PASSWORD_FILE), password);
            Path run = dir.resolve("run");
            Files.createDirectories(run);
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
            chownToRunAs(run);
            initdb(bin, run, password);
            configure(run.resolve("data"), ref);
            startServer(bin, run, ref);
            createDatabase(ref, password);
            state.setProperty("state", STATE_READY);
            writeState(dir, state);
            return ref;
        } catch (IOException e) {
            throw new UpgradeException(node + ": cannot prepare " + dir + ": " + e.getMessage(), true, e);
        }
    }

    private void initdb(Path bin, Path run, String password) throws IOException {
        // initdb reads the password from a file as the server's user; it is gone once initdb is done
        Path pwfile = run.resolve("initdb.pw");
        writePrivate(pwfile, password);
        chownToRunAs(pwfile);
        try {
            LocalCommand.runChecked(
                    List.of(
                            bin.resolve("initdb").toString(),
                            "-D",
                            run.resolve("data").toString(),
                            "-U",
                            settings.adminUser(),
                            "--pwfile=" + pwfile,
                            "--auth-host=scram-sha-256",
                            "--auth-local=reject",
                            "-E",
                            "UTF8",
                            "--locale=" + settings.locale()),
                    settings.runAs(),
                    Map.of(),
                    run,
                    INITDB_TIMEOUT,
                    false);
        } finally {
            Files.deleteIfExists(pwfile);
        }
    }

    private void configure(Path data, DatabaseRef ref) throws IOException {
        List<String> conf = new ArrayList<>();
        conf.add("");
        conf.add("# pgactive-tools: target of an upgrade");
        conf.add("listen_addresses = '" + ref.host() + "'");
        conf.add("port = " + ref.port());
        // TCP only: no socket file shared with other servers of this machine
        conf.add("unix_socket_directories = ''");
        REPLICATION_SETTINGS.forEach((k, v) -> conf.add(k + " = " + v));
        settings.serverSettings().forEach((k, v) -> conf.add(k + " = " + v));
        Files.write(data.resolve("postgresql.conf"), conf, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Files.writeString(
                data.resolve("pg_hba.conf"),
                String.join(
                        "\n",
                        "# pgactive-tools: every login is checked with a password",
                        "host  all          all  all  scram-sha-256",
                        "host  replication  all  all  scram-sha-256",
                        ""),
                StandardCharsets.UTF_8);
    }

    private void createDatabase(DatabaseRef ref, String password) {
        Dsn dsn = new Dsn(ref.host(), ref.port(), "postgres", settings.adminUser(), password, Map.of());
        try (Connection c = PgAdmin.connect(ref.node(), dsn, "postgres", SQL_TIMEOUT)) {
            if (single(c, DATABASE_EXISTS, ref.database()) == null) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE DATABASE " + Identifiers.quote(ref.database()));
                }
            }
            String major = single(c, SERVER_MAJOR);
            if (!Integer.toString(ref.majorVersion()).equals(major)) {
                throw new UpgradeException(
                        ref.node() + ": the binaries for PostgreSQL " + ref.majorVersion() + " started a PostgreSQL "
                                + major + " server; check the binaries directory",
                        false);
            }
        } catch (SQLException e) {
            throw PgAdmin.failure(ref.node(), dsn, "create database " + ref.database(), e);
        }
    }

    // ------------------------------------------------------------------ server processes

    private void ensureRunning(Path dir, DatabaseRef ref) {
        Path run = dir.resolve("run");
        if (!isRunning(binariesFor(ref.majorVersion()), run)) {
            startServer(binariesFor(ref.majorVersion()), run, ref);
        }
    }

    private boolean isRunning(Path bin, Path run) {
        // pg_ctl status: 0 running, 3 not running, 4 no data directory
        return LocalCommand.run(
                        List.of(
                                bin.resolve("pg_ctl").toString(),
                                "status",
                                "-D",
                                run.resolve("data").toString()),
                        settings.runAs(),
                        Map.of(),
                        run,
                        Duration.ofSeconds(30))
                .ok();
    }

    private void startServer(Path bin, Path run, DatabaseRef ref) {
        LocalCommand.Result r = LocalCommand.run(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "start",
                        "-w",
                        "-t",
                        Long.toString(settings.startTimeout().toSeconds()),
                        "-D",
                        run.resolve("data").toString(),
                        "-l",
                        run.resolve("server.log").toString()),
                settings.runAs(),
                Map.of(),
                run,
                settings.startTimeout().plusSeconds(10));
        if (!r.ok()) {
            throw new UpgradeException(
                    ref.node() + ": PostgreSQL " + ref.majorVersion() + " did not start on " + ref.host() + ":"
                            + ref.port() + ": " + r.output() + "\n" + tailLog(run),
                    true);
        }
    }

    private void stopServer(Path dir, DatabaseRef ref) {
        Path run = dir.resolve("run");
        if (!Files.isDirectory(run.resolve("data"))) {
            return;
        }
        Path bin = binariesFor(ref.majorVersion());
        if (!isRunning(bin, run)) {
            return;
        }
        String pgCtl = bin.resolve("pg_ctl").toString();
        String data = run.resolve("data").toString();
        Duration wait = settings.startTimeout();
        LocalCommand.Result fast = LocalCommand.run(
                List.of(pgCtl, "stop", "-w", "-m", "fast", "-t", Long.toString(wait.toSeconds()), "-D", data),
                settings.runAs(),
                Map.of(),
                run,
                wait.plusSeconds(10));
        if (!fast.ok() && isRunning(bin, run)) {
            LocalCommand.runChecked(
                    List.of(pgCtl, "stop", "-w", "-m", "immediate", "-D", data),
                    settings.runAs(),
                    Map.of(),
                    run,
                    wait.plusSeconds(10),
                    true);
        }
    }

    private void wipe(Path dir, DatabaseRef ref) {
        if (!Files.exists(dir)) {
            return;
        }
        if (ref != null && settings.binaries().containsKey(ref.majorVersion())) {
            stopServer(dir, ref);
        }
        deleteTree(dir);
    }

    // ------------------------------------------------------------------ files

    private Path nodeDir(String node) {
        return settings.stateDir().resolve(node);
    }

    private Path binariesFor(int major) {
        Path home = settings.binaries().get(major);
        if (home == null) {
            throw new UpgradeException(
                    "no PostgreSQL " + major + " binaries configured (have: "
                            + settings.binaries().keySet().stream().sorted().toList() + ")",
                    false);
        }
        Path bin = home.resolve("bin");
        for (String program : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(bin.resolve(program))) {
                throw new UpgradeException("PostgreSQL " + major + ": " + bin.resolve(program) + " is missing", false);
            }
        }
        return bin;
    }

    private static Optional<Properties> readState(Path dir) {
        Path file = dir.resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
            return Optional.of(p);
        } catch (IOException e) {
            throw new UpgradeException("cannot read " + file + ": " + e.getMessage(), true, e);
        }
    }

    private static void writeState(Path dir, Properties state) throws IOException {
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            state.store(w, "pgactive-tools local target");
        }
        try {
            Files.move(
                    tmp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private DatabaseRef toRef(Properties p) {
        return new DatabaseRef(
                p.getProperty("node"),
                p.getProperty("host"),
                Integer.parseInt(p.getProperty("port")),
                p.getProperty("database"),
                Integer.parseInt(p.getProperty("major")));
    }

    private DatabaseRef toRefOrNull(Properties p) {
        try {
            return toRef(p);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String readPassword(Path dir) {
        try {
            return Files.readString(dir.resolve(PASSWORD_FILE), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException e) {
            throw new UpgradeException(
                    "cannot read the password file of " + dir.getFileName() + ": " + e.getMessage(), false, e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private void chownToRunAs(Path path) throws IOException {
        if (settings.runAs().isEmpty() || !LocalCommand.isRoot()) {
            return;
        }
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName(settings.runAs().get()));
        view.setGroup(users.lookupPrincipalByGroupName(settings.runAs().get()));
    }

    private static String tailLog(Path run) {
        try {
            List<String> lines = Files.readAllLines(run.resolve("server.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no server log)";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new UpgradeException("cannot delete " + dir + ": " + e.getMessage(), true, e);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** One creation or removal at a time, across threads and across processes sharing the state directory. */
    private synchronized <T> T locked(Supplier<T> action) {
        try {
            Files.createDirectories(settings.stateDir());
            try (FileChannel ch = FileChannel.open(
                            settings.stateDir().resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UpgradeException("cannot lock " + settings.stateDir() + ": " + e.getMessage(), true, e);
        }
    }

    private int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(settings.host()))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UpgradeException("no free port on " + settings.host() + ": " + e.getMessage(), true, e);
        }
    }

    private static String randomPassword() {
        StringBuilder sb = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String single(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout((int) SQL_TIMEOUT.toSeconds());
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
