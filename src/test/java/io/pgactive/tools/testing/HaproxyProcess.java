package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

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
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(20);
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "haproxy-launcher");
        t.setDaemon(true);
        return t;
    });

    private final Path dir;
    private final int port;
    private final Process process;
    private final Thread shutdownHook;
    private boolean closed;

    private HaproxyProcess(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.shutdownHook = new Thread(this::stop, "haproxy-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts HAProxy with the source server at {@code sourceHost:sourcePort}. */
    public static HaproxyProcess start(String sourceHost, int sourcePort) {
        if (!Files.isExecutable(HAPROXY)) {
            throw new IllegalStateException(HAPROXY + " not found; install the haproxy package");
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Path dir;
            try {
                dir = Files.createTempDirectory("pgactive-haproxy-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            NodeRegistry.cleanupOnExit(dir);
            int port = PortAllocator.next();
            try {
                Files.writeString(dir.resolve("haproxy.cfg"), config(dir, port, sourceHost, sourcePort),
                        StandardCharsets.UTF_8);
                HaproxyProcess haproxy = new HaproxyProcess(dir, port, launch(dir));
                try {
                    haproxy.awaitReady();
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
    public int port() { return port; }
    public String host() { return HOST; }
    /** The runtime API's Unix socket ({@code level admin}). */
    public Path adminSocket() { return dir.resolve("admin.sock"); }
    public boolean isRunning() { return process.isAlive(); }

    public String tailLog() {
        try {
            List<String> all = Files.readAllLines(dir.resolve("haproxy.log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - 20), all.size()));
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

    private static String config(Path dir, int port, String sourceHost, int sourcePort) {
        return String.join("\n",
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

    private static Process launch(Path dir) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            cmd.addAll(List.of(SETPRIV.toString(), "--pdeathsig=TERM"));
        }
        cmd.addAll(List.of(HAPROXY.toString(), "-db", "-f", dir.resolve("haproxy.cfg").toString()));
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(Redirect.appendTo(dir.resolve("haproxy.log").toFile()))
                .redirectErrorStream(true);
        // the parent death signal fires when the forking thread ends, so fork from a thread that lives as long as the JVM
        try {
            return LAUNCHER.submit(builder::start).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("cannot start haproxy", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting haproxy", e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited with status " + process.exitValue() + ":\n" + tailLog());
            }
            if (Files.exists(adminSocket()) && accepts()) {
                return;
            }
            PgNode.pause(50);
        }
        throw new IllegalStateException("haproxy did not listen on port " + port + ":\n" + tailLog());
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "haproxy@" + HOST + ":" + port;
    }
}
