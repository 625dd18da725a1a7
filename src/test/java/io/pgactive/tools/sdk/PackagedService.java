package io.pgactive.tools.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) as a child process on a fixed loopback port, so a
 * test can stop it and start it again the way an operator restarts it: a new JVM on the same port and database.
 * Its output goes to {@code service-N.log} in the work directory, one file per start.
 */
public final class PackagedService implements AutoCloseable {

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Path APP_JAR_DIR = Path.of("target/quarkus-app/app");
    private static final Path CLASSES = Path.of("target/classes");

    private final Path config;
    private final Path work;
    private final Map<String, String> properties;
    private final int port;
    private Process process;
    private int starts;

    PackagedService(Path config, Path work) {
        this(config, work, Map.of());
    }

    /** With {@code properties} given to the JVM as system properties (for settings the config file does not hold). */
    public PackagedService(Path config, Path work, Map<String, String> properties) {
        this.config = config;
        this.work = work;
        this.properties = Map.copyOf(properties);
        this.port = freePort();
    }

    /**
     * Why the packaged service cannot stand for the code under test, or empty when it can. The build packages the
     * application after the tests run, so the jar is only usable when a previous package step built it from the
     * classes compiled now: every compiled class must be in it with the same content.
     */
    public static Optional<String> unusable() {
        if (!Files.isRegularFile(JAR)) {
            return Optional.of(JAR + " is missing: run ./mvnw package -DskipTests first");
        }
        try (Stream<Path> appJars = Files.list(APP_JAR_DIR);
                Stream<Path> classes = Files.walk(CLASSES)) {
            Path appJar = appJars.filter(p -> p.toString().endsWith(".jar"))
                    .findFirst()
                    .orElse(null);
            if (appJar == null) {
                return Optional.of("no application jar in " + APP_JAR_DIR);
            }
            try (JarFile jar = new JarFile(appJar.toFile())) {
                for (Path c :
                        classes.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = CLASSES.relativize(c).toString().replace('\\', '/');
                    ZipEntry e = jar.getEntry(name);
                    if (e == null || e.getCrc() != crc(c)) {
                        return Optional.of(appJar + " is older than " + c + ": run ./mvnw package -DskipTests first");
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot compare the packaged service with the build: " + e);
        }
    }

    private static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(Files.readAllBytes(file));
        return crc.getValue();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    public void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment()
                .putAll(Map.of(
                        "PGACTIVE_TOOLS_CONFIG",
                        config.toString(),
                        "QUARKUS_HTTP_PORT",
                        Integer.toString(port),
                        "QUARKUS_HTTP_HOST",
                        "127.0.0.1",
                        "QUARKUS_LOG_CONSOLE_JSON_ENABLED",
                        "false"));
        pb.redirectErrorStream(true)
                .redirectOutput(work.resolve("service-" + ++starts + ".log").toFile());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The last lines the service wrote, for a failure message. */
    public String logTail() {
        Path log = work.resolve("service-" + starts + ".log");
        try (InputStream in = Files.newInputStream(log)) {
            List<String> lines = new String(in.readAllBytes()).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGKILL, as a crashed node or an OOM kill: no shutdown hook runs, nothing is told to Temporal. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the service survived SIGKILL for 30 s");
            }
        }
    }

    /** A graceful stop (SIGTERM, as from systemd or Kubernetes), forced after 30 s. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
