package io.pgactive.tools.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.cfg.PackageVersion;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK artifact on its own, as a Java user gets it: a small program compiled and run against only
 * {@code target/pgactive-tools-sdk-VERSION.jar} and what its pom brings (resolved by Maven from the local repository
 * for a consumer pom naming only the SDK; Temporal is optional and not brought) reads {@code /snapshot} from the
 * packaged service.
 */
class SdkJarTest {

    private static final String PROGRAM = """
            import io.pgactive.tools.sdk.ReplicationStateClient;
            import io.pgactive.tools.contract.snapshot.Snapshot;
            import java.net.URI;

            public class ReadSnapshot {
                public static void main(String[] args) {
                    Snapshot s = ReplicationStateClient.builder(URI.create(args[0])).build().getSnapshot();
                    System.out.println("nodes=" + s.nodes().keySet() + " status=" + s.cluster().status());
                }
            }
            """;

    @TempDir
    Path work;

    @Test
    void aProgramWithOnlyTheSdkJarReadsTheSnapshot() throws Exception {
        Optional<String> unusable = PackagedService.unusable();
        assumeTrue(unusable.isEmpty(), () -> "the packaged service is not this build: " + unusable.orElse(""));
        Path sdkJar = sdkJar();
        Path sdkPom = Path.of("target/sdk/pom.xml");
        String pom = Files.readString(sdkPom);
        assertThat(pom).as("the SDK pom, filtered").doesNotContain("${");
        assertThat(pom)
                .as("the SDK pom's Jackson is the service's")
                .contains("<version>" + PackageVersion.VERSION + "</version>");
        try (JarFile jar = new JarFile(sdkJar.toFile())) {
            assertThat(jar.getEntry("io/pgactive/tools/sdk/temporal/HttpReplicationActivities.class"))
                    .isNotNull();
            assertThat(jar.stream().map(e -> e.getName()))
                    .noneMatch(
                            n -> n.startsWith("io/pgactive/tools/api/") || n.startsWith("io/pgactive/tools/collect/"));
        }

        String version = sdkJar.getFileName().toString().replaceAll("^pgactive-tools-sdk-(.*)\\.jar$", "$1");
        List<String> entries = consumerClasspath(sdkJar, sdkPom, version);
        assertThat(entries)
                .as("a consumer's classpath: the SDK and Jackson, nothing of Quarkus, Vert.x or Temporal")
                .isNotEmpty()
                .allMatch(p -> Path.of(p).getFileName().toString().matches("(jackson-|pgactive-tools-sdk-).*"))
                .anyMatch(p -> p.endsWith("pgactive-tools-sdk-" + version + ".jar"));
        String classpath = String.join(File.pathSeparator, entries);

        Path source = work.resolve("ReadSnapshot.java");
        Files.writeString(source, PROGRAM);
        int compiled = ToolProvider.getSystemJavaCompiler()
                .run(null, null, null, "-classpath", classpath, "-d", work.toString(), source.toString());
        assertThat(compiled).as("javac against the SDK jar").isZero();

        try (PgCluster cluster = PgCluster.standalone(1, work.resolve("cluster"));
                PackagedService service = new PackagedService(
                        ServiceConfig.write(work, cluster.nodes(), "interval: 500ms\nbackoff_max: 1s\n"), work)) {
            service.start();
            ReplicationStateClient sdk = ReplicationStateClient.builder(URI.create(service.baseUrl()))
                    .build();
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .failFast("the service exited", () -> !service.isAlive())
                    .ignoreExceptionsInstanceOf(SdkException.class)
                    // A node is listed from its first scrape, failed or not; the program must see a read one.
                    .until(() -> sdk.getSnapshot().cluster().status() != NodeStatus.UNKNOWN);

            Path out = work.resolve("program.out");
            Process program = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            work + File.pathSeparator + classpath,
                            "ReadSnapshot",
                            service.baseUrl())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            assertThat(program.waitFor(60, TimeUnit.SECONDS))
                    .as("the program ends")
                    .isTrue();
            String output = Files.readString(out);
            assertThat(program.exitValue()).as("exit code; output: %s", output).isZero();
            assertThat(output)
                    .as("the program's output; the service's log ends with:%n%s", service.logTail())
                    .contains("nodes=[node1]")
                    .containsPattern("status=(HEALTHY|WARNING|DEGRADED)");
        }
    }

    private static Path sdkJar() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            Optional<Path> jar = files.filter(p -> p.getFileName().toString().matches("pgactive-tools-sdk-.*\\.jar"))
                    .findFirst();
            assumeTrue(jar.isPresent(), "no SDK jar in target: run ./mvnw package -DskipTests first");
            return jar.get();
        }
    }

    /**
     * The classpath a consumer's build gets from depending on the SDK: installs the jar with its pom into the local
     * repository (as {@code ./mvnw install} does), then resolves a consumer pom that names only the SDK.
     */
    private List<String> consumerClasspath(Path sdkJar, Path sdkPom, String version) throws Exception {
        maven(
                "install.out",
                "-f",
                sdkPom.toAbsolutePath().toString(),
                "org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file",
                "-Dfile=" + sdkJar.toAbsolutePath(),
                "-DpomFile=" + sdkPom.toAbsolutePath());
        Path consumer = work.resolve("consumer");
        Files.createDirectories(consumer);
        Files.writeString(consumer.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>consumer</artifactId>
                  <version>1</version>
                  <dependencies>
                    <dependency>
                      <groupId>io.pgactive</groupId>
                      <artifactId>pgactive-tools-sdk</artifactId>
                      <version>%s</version>
                    </dependency>
                  </dependencies>
                </project>
                """.formatted(version));
        Path list = work.resolve("consumer-classpath.txt");
        maven(
                "consumer.out",
                "-f",
                consumer.resolve("pom.xml").toString(),
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.outputFile=" + list);
        return Arrays.stream(Files.readString(list).trim().split(File.pathSeparator))
                .filter(s -> !s.isBlank())
                .toList();
    }

    private void maven(String log, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of(Path.of("mvnw").toAbsolutePath().toString(), "-q", "-o"));
        command.addAll(List.of(args));
        Path out = work.resolve(log);
        Process maven = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        assertThat(maven.waitFor(5, TimeUnit.MINUTES))
                .as("maven %s ends", args[args.length - 1])
                .isTrue();
        assertThat(maven.exitValue())
                .as("maven %s: %s", String.join(" ", args), Files.readString(out))
                .isZero();
    }
}
