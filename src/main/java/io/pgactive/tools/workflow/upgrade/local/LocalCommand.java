package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a PostgreSQL program (initdb, pg_ctl, pg_dump, psql) to completion, optionally as another OS user, with its
 * output in a file so that a chatty program can never block on a full pipe.
 */
public final class LocalCommand {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final int TAIL_LINES = 15;

    private LocalCommand() {}

    /** What a finished program left behind. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs {@code command}; {@code runAs} names the OS user when the service runs as root (PostgreSQL refuses to run
     * as root). {@code env} adds variables (a PGPASSWORD, never on the command line where {@code ps} shows it).
     */
    public static Result run(
            List<String> command, Optional<String> runAs, Map<String, String> env, Path workDir, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        if (runAs.isPresent() && isRoot()) {
            if (!Files.isExecutable(SETPRIV)) {
                throw new UpgradeException(
                        SETPRIV + " is missing (util-linux): cannot run PostgreSQL programs as " + runAs.get(), false);
            }
            cmd.addAll(
                    List.of(SETPRIV.toString(), "--reuid=" + runAs.get(), "--regid=" + runAs.get(), "--init-groups"));
        }
        cmd.addAll(command);
        Path out = null;
        try {
            out = Files.createTempFile("pgactive-tools-cmd-", ".log");
            ProcessBuilder builder = new ProcessBuilder(cmd)
                    .directory(workDir.toFile())
                    .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(Redirect.to(out.toFile()))
                    .redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new UpgradeException(
                        programName(command) + " did not finish within " + timeout.toSeconds() + "s: " + tail(out, env),
                        true);
            }
            return new Result(process.exitValue(), tail(out, env));
        } catch (IOException e) {
            throw new UpgradeException("cannot run " + programName(command) + ": " + e.getMessage(), false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpgradeException("interrupted while running " + programName(command), true, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind holds no secret: output is redacted when read, never stored
                }
            }
        }
    }

    /** Like {@link #run}, failing with the program's last lines when it exits non-zero. */
    public static String runChecked(
            List<String> command,
            Optional<String> runAs,
            Map<String, String> env,
            Path workDir,
            Duration timeout,
            boolean retryable) {
        Result r = run(command, runAs, env, workDir, timeout);
        if (!r.ok()) {
            throw new UpgradeException(
                    programName(command) + " failed (exit " + r.exitCode() + "): " + r.output(), retryable);
        }
        return r.output();
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String programName(List<String> command) {
        return Path.of(command.get(0)).getFileName().toString();
    }

    private static String tail(Path file, Map<String, String> env) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String text = String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()))
                .strip();
        String[] secrets = env.entrySet().stream()
                .filter(e -> e.getKey().contains("PASSWORD"))
                .map(Map.Entry::getValue)
                .toArray(String[]::new);
        return Dsn.redact(text, secrets);
    }
}
