package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One real HAProxy (Debian's {@code haproxy}) in TCP mode on 127.0.0.1, balancing one backend between a
 * {@value #SOURCE} server and a {@value #TARGET} server, with its runtime API on an admin Unix socket.
 *
 * <p>The target starts in maintenance with weight 0 and a placeholder address: the upgrade's router puts the real
 * target there through the runtime API. {@code balance roundrobin} takes weight changes at run time, for new
 * connections only.
 *
 * <p>HAProxy runs in the foreground ({@code -db}) as a child of this JVM, started through {@code setpriv
 * --pdeathsig=TERM} so that it ends with a JVM that is killed; {@link #close()} and a shutdown hook stop it otherwise.
 * Its files live in a private temporary directory, removed on close or, after a kill, by the harness's watchdog.
 */
public final class HaproxyProcess implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    public static final String BACKEND = "pg";
    public static final String SOURCE = "source";
    public static final String TARGET = "target";

    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);

    private final ChildProcess child;
    private final int port;

    private HaproxyProcess(ChildProcess child, int port) {
        this.child = child;
        this.port = port;
    }

    /** Starts HAProxy with the source server at {@code sourceHost:sourcePort}. */
    public static HaproxyProcess start(String sourceHost, int sourcePort) {
        if (!Files.isExecutable(HAPROXY)) {
            throw new IllegalStateException(HAPROXY + " not found; install the haproxy package");
        }
        IllegalStateException last = null;
        // the port is free when handed out but another process on the machine may take it before HAProxy binds
        for (int attempt = 0; attempt < 3; attempt++) {
            Path dir = ChildProcess.privateDir("pgactive-haproxy-", null);
            int port = PortAllocator.next();
            try {
                Files.writeString(
                        dir.resolve("haproxy.cfg"), config(dir, port, sourceHost, sourcePort), StandardCharsets.UTF_8);
                HaproxyProcess haproxy = new HaproxyProcess(
                        ChildProcess.start(
                                "haproxy",
                                dir,
                                "haproxy.log",
                                List.of(
                                        HAPROXY.toString(),
                                        "-db",
                                        "-f",
                                        dir.resolve("haproxy.cfg").toString()),
                                null),
                        port);
                try {
                    haproxy.child.awaitReady(
                            STARTUP_WAIT,
                            "listen on port " + port,
                            () -> Files.exists(haproxy.adminSocket()) && ChildProcess.accepts(HOST, port));
                    return haproxy;
                } catch (IllegalStateException e) {
                    haproxy.close();
                    last = e;
                }
            } catch (IOException e) {
                PgNode.deleteTree(dir);
                throw new UncheckedIOException("cannot start haproxy: " + e.getMessage(), e);
            }
        }
        throw last;
    }

    /** Where clients connect. */
    public int port() {
        return port;
    }

    public String host() {
        return HOST;
    }
    /** The runtime API's Unix socket ({@code level admin}). */
    public Path adminSocket() {
        return child.dir().resolve("admin.sock");
    }

    public boolean isRunning() {
        return child.isAlive();
    }

    public String tailLog() {
        return child.tailLog(20);
    }

    /** Stops HAProxy and deletes its directory. */
    @Override
    public void close() {
        child.close();
    }

    private static String config(Path dir, int port, String sourceHost, int sourcePort) {
        return String.join(
                "\n",
                "global",
                "    stats socket " + dir.resolve("admin.sock") + " mode 600 level admin",
                "    maxconn 1000",
                "",
                "defaults",
                "    mode tcp",
                "    timeout connect 5s",
                "    timeout client 1h",
                "    timeout server 1h",
                "",
                "frontend pg_in",
                "    bind " + HOST + ":" + port,
                "    default_backend " + BACKEND,
                "",
                "backend " + BACKEND,
                "    balance roundrobin",
                "    server " + SOURCE + " " + sourceHost + ":" + sourcePort + " weight 100",
                // placeholder until the router attaches the target
                "    server " + TARGET + " 127.0.0.1:9 weight 0 disabled",
                "");
    }

    @Override
    public String toString() {
        return "haproxy@" + HOST + ":" + port;
    }
}
