package io.pgactive.tools.testing;

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
 * One real PgBouncer on 127.0.0.1 in front of a {@link PgNode}, with an admin console.
 *
 * <p>Clients log in as the node's monitor role with the node's password ({@link #clientDsn}); PgBouncer checks it
 * with scram-sha-256 against the plain password in its auth file and uses the same password for scram towards
 * PostgreSQL. The admin console ({@link #adminDsn()}) has its own user, {@value #ADMIN_USER}, with a random password
 * known only to PgBouncer and this JVM.
 *
 * <p>{@code pool_mode = transaction}: a server connection is bound to a client only for one transaction, so
 * {@code PAUSE} completes as soon as the running transactions end and then holds every new transaction, while
 * client connections stay open. In session mode {@code PAUSE} would wait until every client disconnects, which a
 * service with a long-lived connection pool never does.
 *
 * <p>PgBouncer refuses to run as root; when the JVM is root it is started as {@value #RUN_AS} through
 * {@code setpriv}, which execs it, so the process handle and the signals sent to it reach PgBouncer itself. Its
 * files live in a private temporary directory owned by that user. {@link #close()} stops it with SIGTERM (PgBouncer's
 * immediate shutdown) and waits for it; a JVM shutdown hook does the same for instances never closed, and a parent
 * death signal for a JVM that is killed outright.
 */
public final class PgBouncerProcess implements AutoCloseable {

    public static final String ADMIN_USER = "gate_admin";
    public static final String HOST = "127.0.0.1";
    static final String RUN_AS = "postgres";

    private static final Path PGBOUNCER = Path.of("/usr/sbin/pgbouncer");
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);

    private final PgNode backend;
    private final ChildProcess child;
    private final int port;
    private final String adminPassword;

    private PgBouncerProcess(PgNode backend, ChildProcess child, int port, String adminPassword) {
        this.backend = backend;
        this.child = child;
        this.port = port;
        this.adminPassword = adminPassword;
    }

    /** Starts PgBouncer in front of {@code backend}, serving the node's {@value PgNode#DATABASE} database. */
    public static PgBouncerProcess start(PgNode backend) {
        return start(backend, List.of(PgNode.DATABASE));
    }

    /**
     * Starts PgBouncer in front of {@code backend}, serving each of {@code databases} under its own name. Fails with
     * the tail of PgBouncer's log when it does not come up.
     */
    public static PgBouncerProcess start(PgNode backend, List<String> databases) {
        return start(backend, databases, Map.of());
    }

    /**
     * Like {@link #start(PgNode, List)}, with extra {@code [pgbouncer]} settings that override the defaults, e.g.
     * {@code Map.of("query_wait_timeout", "5")}.
     */
    public static PgBouncerProcess start(PgNode backend, List<String> databases, Map<String, String> settings) {
        if (!Files.isExecutable(PGBOUNCER)) {
            throw new IllegalStateException(PGBOUNCER + " not found; install the pgbouncer package");
        }
        String adminPassword = PgNode.randomPassword();
        IllegalStateException last = null;
        // the port is free when handed out but another process on the machine may take it before PgBouncer binds
        for (int attempt = 0; attempt < 3; attempt++) {
            // not under the node's directory: the run user must be able to reach it, and it holds passwords
            Path dir = ChildProcess.privateDir("pgactive-pgbouncer-", runAs());
            int port = PortAllocator.next();
            try {
                writeConfig(dir, backend, databases, settings, port, adminPassword);
                ChildProcess child = ChildProcess.start(
                        "pgbouncer",
                        dir,
                        "pgbouncer.log",
                        List.of(
                                PGBOUNCER.toString(),
                                dir.resolve("pgbouncer.ini").toString()),
                        runAs());
                PgBouncerProcess bouncer = new PgBouncerProcess(backend, child, port, adminPassword);
                try {
                    // the log line comes after the listening socket exists, so a connect alone could race a previous
                    // owner
                    child.awaitReady(
                            STARTUP_WAIT,
                            "listen on port " + port,
                            () -> child.tailLog(30).contains("process up") && ChildProcess.accepts(HOST, port));
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

    // ------------------------------------------------------------------ accessors

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public PgNode backend() {
        return backend;
    }

    public String adminPassword() {
        return adminPassword;
    }
    /** Pid of the PgBouncer process. */
    public long pid() {
        return child.pid();
    }

    public boolean isRunning() {
        return child.isAlive();
    }

    /** {@code postgres://monitor:<password>@127.0.0.1:<port>/<database>}: the node's monitor role through PgBouncer. */
    public String clientDsn(String database) {
        return "postgres://" + PgNode.MONITOR_USER + ":" + backend.password() + "@" + HOST + ":" + port + "/"
                + database;
    }

    /** JDBC URL (without credentials) of {@code database} through PgBouncer; see {@link #jdbcProperties()}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /**
     * JDBC properties for the monitor role through PgBouncer: no server-side prepared statements, since in
     * transaction pooling mode the next statement may run on another server connection.
     */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", PgNode.MONITOR_USER);
        p.setProperty("password", backend.password());
        p.setProperty("prepareThreshold", "0");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        return p;
    }

    /** {@code postgres://gate_admin:<password>@127.0.0.1:<port>/pgbouncer}: the admin console. */
    public String adminDsn() {
        return "postgres://" + ADMIN_USER + ":" + adminPassword + "@" + HOST + ":" + port + "/pgbouncer";
    }

    /** The last lines of PgBouncer's log. */
    public String tailLog() {
        return child.tailLog(30);
    }

    // ------------------------------------------------------------------ lifecycle

    /** Stops PgBouncer (SIGTERM: immediate shutdown, open client connections are dropped) and deletes its directory. */
    @Override
    public void close() {
        child.close();
    }

    // ------------------------------------------------------------------ files and process

    /** PgBouncer refuses to run as root: then it runs as {@value #RUN_AS}. */
    private static String runAs() {
        return "root".equals(System.getProperty("user.name")) ? RUN_AS : null;
    }

    private static void writeConfig(
            Path dir,
            PgNode backend,
            List<String> databases,
            Map<String, String> settings,
            int port,
            String adminPassword)
            throws IOException {
        List<String> ini = new ArrayList<>();
        ini.add("[databases]");
        for (String db : databases) {
            ini.add(db + " = host=" + HOST + " port=" + backend.port() + " dbname=" + db);
        }
        ini.addAll(List.of(
                "",
                "[pgbouncer]",
                "listen_addr = " + HOST,
                "listen_port = " + port,
                // no Unix socket: nothing shared in /tmp between runs, and the admin console is reached over TCP
                "unix_socket_dir =",
                "auth_type = scram-sha-256",
                "auth_file = " + dir.resolve("userlist.txt"),
                "admin_users = " + ADMIN_USER,
                "pool_mode = transaction",
                "default_pool_size = 5",
                "max_client_conn = 50",
                // JDBC and the Vert.x client send it at login; PgBouncer would otherwise refuse the connection
                "ignore_startup_parameters = extra_float_digits",
                // a failed server login is retried soon, so a node restart does not stall a test for 15s
                "server_login_retry = 1",
                // log to stdout only (redirected to pgbouncer.log), no pid file: the JVM holds the process handle
                "logfile =",
                "pidfile ="));
        // PgBouncer takes the last value of a repeated setting
        settings.forEach((key, value) -> ini.add(key + " = " + value));
        write(dir.resolve("pgbouncer.ini"), String.join("\n", ini) + "\n");
        write(
                dir.resolve("userlist.txt"),
                quote(PgNode.MONITOR_USER) + " " + quote(backend.password()) + "\n" + quote(ADMIN_USER) + " "
                        + quote(adminPassword) + "\n");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static void write(Path file, String content) throws IOException {
        ChildProcess.writePrivate(file, content, runAs());
    }

    @Override
    public String toString() {
        return "pgbouncer@" + HOST + ":" + port + " -> " + backend;
    }
}
