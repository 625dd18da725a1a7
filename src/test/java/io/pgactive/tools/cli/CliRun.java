package io.pgactive.tools.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One run of the CLI: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {

    /** The output with wrapped lines joined again. */
    String flat() {
        return out.replace("\n  ", " ");
    }

    /** The summary, however it was wrapped. */
    public String summary() {
        return flat().lines().findFirst().orElse("");
    }

    String firstLine() {
        return out.lines().findFirst().orElse("");
    }

    /** In this JVM, so coverage sees it; no terminal. */
    public static CliRun inProcess(Map<String, String> env, boolean tty, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PgactiveToolsCli.run(
                args, new PgactiveToolsCli.Io(new PrintWriter(out), new PrintWriter(err), env, tty));
        return new CliRun(code, out.toString(), err.toString());
    }

    public static CliRun inProcess(String... args) {
        return inProcess(Map.of(), false, args);
    }

    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                PgactiveToolsCli.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** As a separate java process, the way bin/pgactive-tools runs it. */
    static CliRun process(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return process(env, javaCommand(args));
    }

    /** In a pseudo-terminal, through script(1): what a person at a terminal sees. */
    static CliRun terminal(String... args) throws IOException, InterruptedException {
        StringBuilder line = new StringBuilder();
        for (String a : javaCommand(args)) {
            line.append(line.isEmpty() ? "" : " ")
                    .append('\'')
                    .append(a.replace("'", "'\\''"))
                    .append('\'');
        }
        return process(Map.of(), List.of("script", "-q", "-e", "-c", line.toString(), "/dev/null"));
    }

    private static CliRun process(Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove(PgactiveToolsCli.SERVER_ENV);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the CLI did not exit");
        }
        return new CliRun(
                p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
