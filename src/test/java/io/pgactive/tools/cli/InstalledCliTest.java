package io.pgactive.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/pgactive-tools} from an installation copied elsewhere with its class-data archive (times preserved, as
 * {@code cp -a}, {@code rsync -a} or a tarball keep them): the archive made for the old path is replaced silently,
 * never refused with a JVM warning on every run. Needs the packaged application.
 */
class InstalledCliTest {

    private static final Path APP = Path.of("target/quarkus-app");

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(Path script) throws IOException, InterruptedException {
        // nothing listens on port 1: the answer is a quick UNKNOWN, and what matters is what the JVM adds to it
        Process p = new ProcessBuilder(script.toString(), "lag", "--server", "http://127.0.0.1:1", "--timeout", "2")
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void aCopiedInstallationRunsWithoutArchiveWarnings() throws Exception {
        assumeTrue(Files.isDirectory(APP.resolve("app")), "the application is not packaged");
        Path original = Path.of("bin/pgactive-tools");
        Run first = run(original); // makes the archive for this path when there is none yet
        assertThat(first.exit()).isEqualTo(3);
        assertThat(Path.of("target/pgactive-tools-cli.jsa")).exists();

        Path copy = dir.resolve("installed");
        Files.createDirectories(copy.resolve("target"));
        Process cp = new ProcessBuilder("cp", "-a", "bin", copy.toString())
                .inheritIO()
                .start();
        assertThat(cp.waitFor()).isZero();
        cp = new ProcessBuilder(
                        "cp",
                        "-a",
                        APP.toString(),
                        "target/pgactive-tools-cli.jsa",
                        copy.resolve("target").toString())
                .inheritIO()
                .start();
        assertThat(cp.waitFor()).isZero();
        Path key = Path.of("target/pgactive-tools-cli.jsa.key");
        if (Files.exists(key)) {
            Files.copy(key, copy.resolve("target/pgactive-tools-cli.jsa.key"));
        }

        for (int i = 0; i < 2; i++) {
            Run r = run(copy.resolve("bin/pgactive-tools"));
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.out()).startsWith("LAG UNKNOWN");
            assertThat(r.err()).as("run %d of the copy", i + 1).isEmpty();
        }
    }
}
