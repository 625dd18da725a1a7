package io.pgactive.tools.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A server of Debian's PostgreSQL 15 managed with its own {@code pg_ctl}, for tests whose subject runs that
 * installation's client programs on the server's data ({@code pg_rewind}, {@code pg_basebackup}), which the zonky
 * servers of {@link PgNode} lack. Runs as {@code postgres} when the tests run as root; the superuser {@code postgres}
 * logs in with a password over TCP, replication included; {@code wal_log_hints} is on so the data can be rewound.
 */
public final class DebianPgServer implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    private static final String SETTINGS = String.join(
            "\n",
            "",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 30",
            "shared_buffers = 16MB",
            "wal_level = replica",
            "wal_log_hints = on",
            "max_wal_senders = 10",
            "wal_keep_size = 64MB",
            "wal_receiver_status_interval = 1s",
            "fsync = off",
            "log_min_messages = warning",
            "");
    private static final String HBA = String.join(
            "\n",
            "local   all          all                    trust",
            "host    all          all    127.0.0.1/32    scram-sha-256",
            "host    replication  all    127.0.0.1/32    scram-sha-256",
            "");

    private final String name;
    private final Path dir;
    private final Path data;
    private final int port;
    private final String password;

    private DebianPgServer(String name, Path dir, int port, String password) {
        this.name = name;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.password = password;
    }

    /** initdb and start a primary in {@code base/name}. */
    public static DebianPgServer primary(String name, Path base) {
        DebianPgServer s = new DebianPgServer(name, base.resolve(name), PortAllocator.next(), PgNode.randomPassword());
        s.prepareDir();
        Path pwfile = s.dir.resolve("pwfile");
        write(pwfile, s.password + "\n");
        s.chown(pwfile);
        s.run(List.of(
                bin("initdb"),
                "--pgdata=" + s.data,
                "--username=" + USER,
                "--pwfile=" + pwfile,
                "--auth=scram-sha-256",
                "--locale=C",
                "--encoding=UTF8"));
        try {
            Files.delete(pwfile);
            Files.writeString(s.data.resolve("postgresql.conf"), SETTINGS, StandardOpenOption.APPEND);
            Files.writeString(s.data.resolve("pg_hba.conf"), HBA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s.configurePort();
        s.start();
        return s;
    }

    /** A streaming standby of this server (pg_basebackup -R), started. */
    public DebianPgServer standby(String standbyName) {
        DebianPgServer s =
                new DebianPgServer(standbyName, dir.resolveSibling(standbyName), PortAllocator.next(), password);
        s.prepareDir();
        s.run(
                List.of(
                        bin("pg_basebackup"),
                        "--pgdata=" + s.data,
                        "--dbname=host=127.0.0.1 port=" + port + " user=" + USER + " application_name=" + standbyName,
                        "--wal-method=stream",
                        "--checkpoint=fast",
                        "--write-recovery-conf"),
                Map.of("PGPASSWORD", password));
        s.configurePort();
        s.start();
        return s;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return data;
    }

    public String dsn() {
        return "postgres://" + USER + ":" + password + "@127.0.0.1:" + port + "/" + DATABASE;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?connectTimeout=5&socketTimeout=30",
                USER,
                password);
    }

    public void execute(String sql) {
        try (Connection c = connect();
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    public String queryString(String sql) {
        try (Connection c = connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    public void start() {
        run(List.of(
                bin("pg_ctl"),
                "start",
                "--pgdata=" + data,
                "--wait",
                "--timeout=60",
                "--log=" + dir.resolve("postgres.log")));
    }

    /** SIGKILL of the postmaster and its children, as a host crash would. */
    public void kill() {
        postmasterPid().flatMap(ProcessHandle::of).ifPresent(p -> {
            List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
            all.add(0, p);
            all.forEach(ProcessHandle::destroyForcibly);
            all.forEach(h -> h.onExit()
                    .orTimeout(20, TimeUnit.SECONDS)
                    .exceptionally(t -> h)
                    .join());
        });
    }

    @Override
    public void close() {
        if (postmasterPid().isPresent()) {
            runQuietly(List.of(bin("pg_ctl"), "stop", "--pgdata=" + data, "--mode=immediate", "--wait"));
            kill();
        }
        PgNode.deleteTree(dir);
    }

    private Optional<Long> postmasterPid() {
        try {
            Path pidFile = data.resolve("postmaster.pid");
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            String first = Files.readAllLines(pidFile).get(0).strip();
            return Optional.of(Long.parseLong(first));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void configurePort() {
        try {
            Files.writeString(
                    data.resolve("postgresql.auto.conf"),
                    "\nport = " + port + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void prepareDir() {
        try {
            PgNode.deleteTree(dir);
            Files.createDirectories(dir);
            chown(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void chown(Path p) {
        Optional<String> user = PgBinaries.runAs();
        if (user.isEmpty()) {
            return;
        }
        try {
            UserPrincipalLookupService users = p.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(p, users.lookupPrincipalByName(user.get()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String bin(String program) {
        return PgBinaries.home(PgBinaries.DEBIAN_MAJOR)
                .resolve("bin")
                .resolve(program)
                .toString();
    }

    private void run(List<String> command) {
        run(command, Map.of());
    }

    private void run(List<String> command, Map<String, String> env) {
        int exit = runQuietly(command, env);
        if (exit != 0) {
            throw new IllegalStateException(
                    name + ": " + Path.of(command.get(0)).getFileName() + " exited " + exit + ", see "
                            + dir.resolve("commands.log"));
        }
    }

    private int runQuietly(List<String> command) {
        return runQuietly(command, Map.of());
    }

    private int runQuietly(List<String> command, Map<String, String> env) {
        List<String> cmd = new ArrayList<>();
        PgBinaries.runAs()
                .ifPresent(
                        u -> cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=" + u, "--regid=" + u, "--init-groups")));
        cmd.addAll(command);
        try {
            ProcessBuilder b = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectInput(Redirect.from(new File("/dev/null")))
                    .redirectOutput(
                            Redirect.appendTo(dir.resolve("commands.log").toFile()))
                    .redirectErrorStream(true);
            b.environment().putAll(env);
            Process p = b.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }
}
