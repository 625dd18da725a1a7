package io.pgactive.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up with a bad configuration: one line naming file, key and problem, exit code 2, no password. */
class MainTest {

    @TempDir
    Path dir;

    private Process start(Path config) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb =
                new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName());
        pb.environment().put("PGACTIVE_TOOLS_CONFIG", config.toString());
        pb.redirectErrorStream(true);
        return pb.start();
    }

    @Test
    void badDsnStopsStartUpWithExitCode2AndNoPassword() throws Exception {
        Path config = dir.resolve("tools.yaml");
        Files.writeString(config, """
                collector:
                  nodes:
                    - { name: node1, dsn: "postgres://mon:Hunter2Secret@db.internal:54x32/app" }
                """);
        Process p = start(config);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).isEqualTo(Main.EXIT_CONFIG);
        assertThat(out.lines().count()).isEqualTo(1);
        assertThat(out)
                .contains(config.toString())
                .contains("collector.nodes[0].dsn")
                .contains("malformed DSN")
                .doesNotContain("Hunter2Secret");
    }

    @Test
    void unknownKeyAndMalformedQueryFileAreNamed() throws Exception {
        Path config = dir.resolve("tools.yaml");
        Files.writeString(config, "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\n  intervall: 2s\n");
        assertThat(Main.checkConfig(config)).contains("collector.intervall").contains("unknown key");
        Files.writeString(config, "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\n");
        Files.createDirectories(dir.resolve("queries"));
        Files.writeString(dir.resolve("queries/oops.sql"), "SELECT 1");
        assertThat(Main.checkConfig(config)).contains("oops.sql").contains("values");
        Files.delete(dir.resolve("queries/oops.sql"));
        assertThat(Main.checkConfig(config)).isNull();
        assertThat(Main.checkConfig(dir.resolve("missing.yaml"))).contains("file not found");
    }

    @Test
    void anUnusableDatabasePathIsOneConfigurationLineAndExitCode2() throws Exception {
        Path config = dir.resolve("tools.yaml");
        Path blocker = Files.writeString(dir.resolve("not-a-directory"), "x");
        Files.writeString(
                config,
                "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\ndatabase:\n  path: "
                        + blocker.resolve("history.db") + "\n");
        Process p = start(config);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).isEqualTo(Main.EXIT_CONFIG);
        assertThat(out.lines().count()).isEqualTo(1);
        assertThat(out).contains(config.toString()).contains("database.path").contains("not-a-directory");

        Files.writeString(
                config,
                "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\ndatabase:\n  path: " + dir + "\n");
        assertThat(Main.checkConfig(config)).contains("database.path").contains("is a directory");
    }

    @Test
    void aBinaryQueryFileIsNamed() throws Exception {
        Path config = dir.resolve("tools.yaml");
        Files.writeString(config, "collector:\n  nodes: [ { name: a, dsn: 'postgres://h/d' } ]\n");
        Files.createDirectories(dir.resolve("queries"));
        Files.write(
                dir.resolve("queries/blob.sql"),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0x80, (byte) 0xc3});
        assertThat(Main.checkConfig(config)).contains("blob.sql");
    }
}
