package io.pgactive.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher ({@code bin/pgactive-server}) and the container image ({@code quarkus.jib.*} in application.properties)
 * start the service with the same JVM options: the benchmarks measure the launcher's, the image is what ships.
 */
class JvmOptionsTest {

    private static final String TRIM = "-XX:TrimNativeHeapInterval=30000";
    private static final String SERIAL_GC = "-XX:+UseSerialGC";

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private record Exit(int code, String output) {}

    private static Exit exec(List<String> command, String javaHome) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (javaHome != null) {
            pb.environment().put("JAVA_HOME", javaHome);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Exit(p.exitValue(), out);
    }

    private static String run(List<String> command, String javaHome) throws Exception {
        Exit exit = exec(command, javaHome);
        assertThat(exit.code()).as(exit.output()).isZero();
        return exit.output();
    }

    private static List<String> without(List<String> options, String... left) {
        List<String> out = new ArrayList<>(options);
        out.removeAll(List.of(left));
        return out;
    }

    private static List<String> launcherOptions() throws Exception {
        String out =
                run(List.of("bash", "bin/pgactive-server", "--print-jvm-options"), System.getProperty("java.home"));
        assertThat(out.lines().count()).as(out).isEqualTo(1);
        return Arrays.asList(out.split("\\s+"));
    }

    private static Properties applicationProperties() throws Exception {
        Properties props = new Properties();
        try (InputStream in = JvmOptionsTest.class.getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        return props;
    }

    @Test
    void theImageStartsTheServiceWithTheLaunchersOptions() throws Exception {
        List<String> launcher = launcherOptions();
        Properties props = applicationProperties();
        List<String> image = Arrays.asList(
                props.getProperty("quarkus.jib.jvm-additional-arguments").split(","));

        // the image's base launcher adds its own collector unless GC_CONTAINER_OPTIONS names one
        assertThat(props.getProperty("quarkus.jib.environment-variables.GC_CONTAINER_OPTIONS"))
                .isEqualTo(SERIAL_GC);
        assertThat(launcher).contains(SERIAL_GC).doesNotHaveDuplicates();
        assertThat(image).doesNotContain(SERIAL_GC).doesNotHaveDuplicates();
        // the image's JDK always accepts the trim; the launcher asks the JVM first (the next test holds it to that)
        assertThat(image).contains(TRIM);
        assertThat(without(image, TRIM)).hasSameElementsAs(without(launcher, SERIAL_GC, TRIM));
    }

    @Test
    void theLauncherAddsTheNativeHeapTrimExactlyWhenTheJvmAcceptsIt() throws Exception {
        boolean accepted = exec(List.of(java(), TRIM, "-version"), null).code() == 0;

        assertThat(launcherOptions().contains(TRIM)).isEqualTo(accepted);
    }

    @Test
    void everyPrintedOptionIsAcceptedByTheJvm() throws Exception {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(launcherOptions());
        command.add("-version");
        assertThat(run(command, null)).doesNotContain("Unrecognized", "Error");
    }
}
