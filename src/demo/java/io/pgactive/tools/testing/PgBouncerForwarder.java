package io.pgactive.tools.testing;

import io.pgactive.tools.config.Dsn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real PgBouncer (transaction pooling) whose one database points at any address, e.g. an {@link HaproxyProcess}
 * in front of several servers; {@link PgBouncerProcess} serves a single {@link PgNode}.
 *
 * <p>Clients log in as {@code user} with {@code password} (the same role must exist on every server behind the
 * address); the admin console has its own random password. Started and stopped like {@link PgBouncerProcess}: as the
 * {@code postgres} user through {@code setpriv} when the JVM is root, with a parent death signal, and a shutdown hook.
 */
public final class PgBouncerForwarder implements AutoCloseable {

    public static final String ADMIN_USER = "route_admin";

    private static final Path PGBOUNCER = Path.of("/usr/sbin/pgbouncer");
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);

    private final ChildProcess child;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private final String adminPassword;

    private PgBouncerForwarder(
            ChildProcess child, int port, String database, String user, String password, String adminPassword) {
        this.child = child;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.adminPassword = adminPassword;
    }

    /** Starts PgBouncer serving {@code database} from {@code host:port}, with extra {@code [pgbouncer]} settings. */
    public static PgBouncerForwarder start(
            String host, int port, String database, String user, String password, Map<String, String> settings) {
        if (!Files.isExecutable(PGBOUNCER)) {
            throw new IllegalStateException(PGBOUNCER + " not found; install the pgbouncer package");
        }
        String adminPassword = PgNode.randomPassword();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int listen = PortAllocator.next();
            Path dir = ChildProcess.privateDir("pgactive-pgbouncer-fwd-", runAs());
            try {
                List<String> ini = new ArrayList<>(List.of(
                        "[databases]",
                        database + " = host=" + host + " port=" + port + " dbname=" + database,
                        "",
                        "[pgbouncer]",
                        "listen_addr = 127.0.0.1",
                        "listen_port = " + listen,
                        "unix_socket_dir =",
                        "auth_type = scram-sha-256",
                        "auth_file = " + dir.resolve("userlist.txt"),
                        "admin_users = " + ADMIN_USER,
                        "pool_mode = transaction",
                        "default_pool_size = 5",
                        "max_client_conn = 100",
                        "ignore_startup_parameters = extra_float_digits",
                        "server_login_retry = 1",
                        "logfile =",
                        "pidfile ="));
                settings.forEach((k, v) -> ini.add(k + " = " + v));
                write(dir.resolve("pgbouncer.ini"), String.join("\n", ini) + "\n");
                write(
                        dir.resolve("userlist.txt"),
                        quote(user) + " " + quote(password) + "\n" + quote(ADMIN_USER) + " " + quote(adminPassword)
                                + "\n");
                ChildProcess child = ChildProcess.start(
                        "pgbouncer",
                        dir,
                        "pgbouncer.log",
                        List.of(
                                PGBOUNCER.toString(),
                                dir.resolve("pgbouncer.ini").toString()),
                        runAs());
                PgBouncerForwarder bouncer =
                        new PgBouncerForwarder(child, listen, database, user, password, adminPassword);
                try {
                    // the log line comes after the listening socket exists, so a connect alone could race a previous
                    // owner
                    child.awaitReady(
                            STARTUP_WAIT,
                            "listen on port " + listen,
                            () -> child.tailLog(30).contains("process up")
                                    && ChildProcess.accepts("127.0.0.1", listen));
                    return bouncer;
                } catch (IllegalStateException e) {
                    bouncer.close();
                    last = e;
                }
            } catch (IOException e) {
                PgNode.deleteTree(dir);
                throw new UncheckedIOException("cannot start pgbouncer: " + e.getMessage(), e);
            }
        }
        throw last;
    }

    public int port() {
        return port;
    }

    /** The admin console, as the router's settings take it. */
    public Dsn adminDsn() {
        return new Dsn("127.0.0.1", port, "pgbouncer", ADMIN_USER, adminPassword, Map.of());
    }

    /** JDBC URL of the database through PgBouncer; see {@link #jdbcProperties()}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** No server-side prepared statements: in transaction pooling the next statement may use another server. */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("prepareThreshold", "0");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "120");
        return p;
    }

    public String tailLog() {
        return child.tailLog(30);
    }

    /** Stops PgBouncer and deletes its directory. */
    @Override
    public void close() {
        child.close();
    }

    /** PgBouncer refuses to run as root: then it runs as the harness's unprivileged user. */
    private static String runAs() {
        return "root".equals(System.getProperty("user.name")) ? PgBouncerProcess.RUN_AS : null;
    }

    private static void write(Path file, String content) throws IOException {
        ChildProcess.writePrivate(file, content, runAs());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
