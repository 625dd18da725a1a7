package io.pgactive.tools.testing;

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
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A program the harness runs as a child of this JVM (PgBouncer, HAProxy), with a private directory of its own and its
 * output in a log file there.
 *
 * <p>It is started through {@code setpriv}, which execs it (so the process handle and the signals sent to it reach the
 * program itself), with a parent death signal: a JVM killed outright still takes it down. When {@code runAs} is given
 * it runs as that user. {@link #close()} stops it (SIGTERM, then SIGKILL after {@value #STOP_WAIT_SECONDS} s) and
 * deletes its directory; a shutdown hook stops instances never closed.
 */
final class ChildProcess implements AutoCloseable {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final long STOP_WAIT_SECONDS = 10;
    // the parent death signal fires when the forking thread ends, so fork from a thread that lives as long as the JVM
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "harness-launcher");
        t.setDaemon(true);
        return t;
    });

    private final String name;
    private final Path dir;
    private final Path log;
    private final Process process;
    private final Thread shutdownHook;
    private boolean closed;

    private ChildProcess(String name, Path dir, Path log, Process process) {
        this.name = name;
        this.dir = dir;
        this.log = log;
        this.process = process;
        this.shutdownHook = new Thread(this::stop, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A new private directory, owned by {@code runAs} when given, removed by the harness's watchdog after a kill. */
    static Path privateDir(String prefix, String runAs) {
        try {
            Path dir = Files.createTempDirectory(
                    prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            NodeRegistry.cleanupOnExit(dir);
            chown(dir, runAs);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a file only its owner ({@code runAs} when given) can read. */
    static void writePrivate(Path file, String content, String runAs) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        chown(file, runAs);
    }

    /** Starts {@code command} in {@code dir}, its output appended to {@code dir/logName}. */
    static ChildProcess start(String name, Path dir, String logName, List<String> command, String runAs)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            cmd.add(SETPRIV.toString());
            if (runAs != null) {
                cmd.addAll(List.of("--reuid=" + runAs, "--regid=" + runAs, "--init-groups"));
            }
            cmd.add("--pdeathsig=TERM");
        } else if (runAs != null) {
            throw new IllegalStateException(
                    name + " must run as " + runAs + " and " + SETPRIV + " is missing (util-linux)");
        }
        cmd.addAll(command);
        Path log = dir.resolve(logName);
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        try {
            return new ChildProcess(
                    name, dir, log, LAUNCHER.submit(builder::start).get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("cannot start " + name, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name, e);
        }
    }

    /**
     * Waits until {@code ready} holds; fails with the log's last lines when the program exits first or the wait ends.
     */
    void awaitReady(Duration wait, String what, BooleanSupplier ready) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with status " + process.exitValue() + " before it "
                        + what + ":\n" + tailLog(30));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            PgNode.pause(50);
        }
        throw new IllegalStateException(
                name + " did not " + what + " within " + wait.toSeconds() + "s:\n" + tailLog(30));
    }

    /** Whether something accepts TCP connections at {@code host:port}. */
    static boolean accepts(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Path dir() {
        return dir;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** The last {@code lines} lines of the program's output. */
    String tailLog(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log)";
        }
    }

    /** Stops the program and deletes its directory. */
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
            // the JVM is already shutting down and runs the hook itself
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
            if (!process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void chown(Path path, String runAs) throws IOException {
        if (runAs == null) {
            return;
        }
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        try {
            view.setOwner(users.lookupPrincipalByName(runAs));
            view.setGroup(users.lookupPrincipalByGroupName(runAs));
        } catch (UserPrincipalNotFoundException e) {
            throw new IllegalStateException("there is no '" + runAs + "' user to run the harness's programs as", e);
        }
    }
}
