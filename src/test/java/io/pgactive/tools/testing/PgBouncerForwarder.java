package io.pgactive.tools.testing;

import io.pgactive.tools.config.Dsn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pgbouncer-forwarder-launcher");
        t.setDaemon(true);
        return t;
    });

    private final Path dir;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private final String adminPassword;
    private final Process process;
    private final Thread shutdownHook;
    private boolean closed;

    private PgBouncerForwarder(Path dir, int port, String database, String user, String password, String adminPassword,
                               Process process) {
        this.dir = dir;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.adminPassword = adminPassword;
        this.process = process;
        this.shutdownHook = new Thread(this::stop, "pgbouncer-forwarder-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts PgBouncer serving {@code database} from {@code host:port}, with extra {@code [pgbouncer]} settings. */
    public static PgBouncerForwarder start(String host, int port, String database, String user, String password,
                                           Map<String, String> settings) {
        if (!Files.isExecutable(PGBOUNCER)) {
            throw new IllegalStateException(PGBOUNCER + " not found; install the pgbouncer package");
        }
        String adminPassword = PgNode.randomPassword();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int listen = PortAllocator.next();
            Path dir = null;
            try {
                dir = Files.createTempDirectory("pgactive-pgbouncer-fwd-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                NodeRegistry.cleanupOnExit(dir);
                chown(dir);
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
                write(dir.resolve("userlist.txt"), quote(user) + " " + quote(password) + "\n"
                        + quote(ADMIN_USER) + " " + quote(adminPassword) + "\n");
                PgBouncerForwarder bouncer = new PgBouncerForwarder(dir, listen, database, user, password,
                        adminPassword, launch(dir));
                try {
                    bouncer.awaitListening();
                    return bouncer;
                } catch (IllegalStateException e) {
                    bouncer.close();
                    last = e;
                }
            } catch (IOException e) {
                if (dir != null) {
                    PgNode.deleteTree(dir);
                }
                throw new UncheckedIOException("cannot start pgbouncer: " + e.getMessage(), e);
            }
        }
        throw last;
    }

    public int port() { return port; }

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
        try {
            List<String> all = Files.readAllLines(dir.resolve("pgbouncer.log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down and runs the hook itself
        }
        PgNode.deleteTree(dir);
        NodeRegistry.forgetCleanup(dir);
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("pgbouncer exited with status " + process.exitValue() + ":\n" + tailLog());
            }
            if (tailLog().contains("process up") && accepts()) {
                return;
            }
            PgNode.pause(50);
        }
        throw new IllegalStateException("pgbouncer did not listen on port " + port + ":\n" + tailLog());
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Process launch(Path dir) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            cmd.add(SETPRIV.toString());
            if (runningAsRoot()) {
                cmd.addAll(List.of("--reuid=" + PgBouncerProcess.RUN_AS, "--regid=" + PgBouncerProcess.RUN_AS,
                        "--init-groups"));
            }
            cmd.add("--pdeathsig=TERM");
        } else if (runningAsRoot()) {
            throw new IllegalStateException("pgbouncer refuses to run as root and " + SETPRIV + " is missing");
        }
        cmd.add(PGBOUNCER.toString());
        cmd.add(dir.resolve("pgbouncer.ini").toString());
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(Redirect.appendTo(dir.resolve("pgbouncer.log").toFile()))
                .redirectErrorStream(true);
        try {
            return LAUNCHER.submit(builder::start).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("cannot start pgbouncer", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting pgbouncer", e);
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        chown(file);
    }

    private static void chown(Path path) throws IOException {
        if (!runningAsRoot()) {
            return;
        }
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName(PgBouncerProcess.RUN_AS));
        view.setGroup(users.lookupPrincipalByGroupName(PgBouncerProcess.RUN_AS));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
