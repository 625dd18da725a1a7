package io.pgactive.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.sdk.ProblemException;
import io.pgactive.tools.sdk.ProtocolException;
import io.pgactive.tools.sdk.ReplicationStateClient;
import io.pgactive.tools.sdk.ServiceUnreachableException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pgactive-tools}: the replication state from a running pgactive-tools service, for people and for CI gates.
 * A plain main: it talks HTTP through the SDK and never boots the application.
 */
@Command(
        name = "pgactive-tools",
        mixinStandardHelpOptions = true,
        version = "pgactive-tools 0.1.0",
        description = "Replication state from a pgactive-tools service, with Nagios / check_postgres exit codes.",
        exitCodeListHeading = PgactiveToolsCli.EXIT_HEADING,
        exitCodeList = {
            PgactiveToolsCli.EXIT_0,
            PgactiveToolsCli.EXIT_1,
            PgactiveToolsCli.EXIT_2,
            PgactiveToolsCli.EXIT_3
        },
        footer = PgactiveToolsCli.FOOTER)
public final class PgactiveToolsCli implements Callable<Integer> {

    static final String EXIT_HEADING = "%nExit codes:%n";
    static final String EXIT_0 = "0:OK";
    static final String EXIT_1 = "1:WARNING (only with --fail-on-warn; otherwise a warning is reported as OK)";
    static final String EXIT_2 = "2:CRITICAL";
    static final String EXIT_3 =
            "3:UNKNOWN: service unreachable, node unreachable (DOWN/UNKNOWN), bad reply, or a usage error";
    static final String FOOTER =
            "%nThe first line of output always names the result, and the exit code always agrees with it.";

    static final String SERVER_ENV = "PGACTIVE_TOOLS_SERVER";
    static final String DEFAULT_SERVER = "http://localhost:8080";
    static final int WIDTH = 80;

    enum Format {
        table,
        json,
        nagios
    }

    /** Options every subcommand takes. */
    static final class Common {
        @Option(
                names = {"-s", "--server"},
                paramLabel = "URL",
                description = "Service base URL (default: $" + SERVER_ENV + ", else " + DEFAULT_SERVER + ").")
        String server;

        @Option(
                names = {"-f", "--format"},
                paramLabel = "FORMAT",
                defaultValue = "table",
                description = "Output: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        Format format;

        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                defaultValue = "5",
                description = "Give up on the service after this long (default: ${DEFAULT-VALUE}).")
        double timeout;

        @Option(names = "--no-color", description = "No colour even on a terminal (also: $NO_COLOR).")
        boolean noColor;
    }

    /** Where a run writes, and what it knows of its surroundings: passed in so tests run the CLI in-process. */
    record Io(PrintWriter out, PrintWriter err, Map<String, String> env, boolean tty) {}

    private final Io io;

    PgactiveToolsCli(Io io) {
        this.io = io;
    }

    Io io() {
        return io;
    }

    @Override
    public Integer call() {
        io.err.println(
                "pgactive-tools: a command is required (lag, status, conflicts, history, watch, guard, upgrade); see --help");
        return Result.UNKNOWN.exitCode;
    }

    public static void main(String[] args) {
        PrintStream stdout = System.out;
        int code = run(
                args,
                new Io(
                        new PrintWriter(stdout, true),
                        new PrintWriter(System.err, true),
                        System.getenv(),
                        System.console() != null));
        System.exit(code);
    }

    /** The subcommands by name, in the order the usage lists them. */
    private static final List<Map.Entry<String, Class<?>>> COMMANDS = List.of(
            Map.entry("lag", LagCommand.class),
            Map.entry("status", StatusCommand.class),
            Map.entry("conflicts", ConflictsCommand.class),
            Map.entry("history", HistoryCommand.class),
            Map.entry("watch", WatchCommand.class),
            Map.entry("guard", GuardCommand.class),
            Map.entry("upgrade", UpgradeCommand.class),
            Map.entry("replication", ReplicationCommand.class));

    static int run(String[] args, Io io) {
        CommandLine cmd = new CommandLine(new PgactiveToolsCli(io), new Factory(io));
        // Building a subcommand's model reflects on its class and its mixins: a run builds only the one it runs,
        // and all of them when it has to list or suggest them (help, a missing or misspelt command).
        String first = args.length > 0 ? args[0] : null;
        boolean named = false;
        for (Map.Entry<String, Class<?>> c : COMMANDS) {
            named |= c.getKey().equals(first);
        }
        for (Map.Entry<String, Class<?>> c : COMMANDS) {
            if (!named || c.getKey().equals(first)) {
                cmd.addSubcommand(c.getKey(), c.getValue()); // made by the factory above, like annotated subcommands
            }
        }
        cmd.setOut(io.out).setErr(io.err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((e, a) -> {
            io.err.println("pgactive-tools: " + e.getMessage());
            e.getCommandLine().usage(io.err);
            return Result.UNKNOWN.exitCode;
        });
        cmd.setExecutionExceptionHandler((e, c, p) -> {
            io.err.println("UNKNOWN: internal error: " + e);
            return Result.UNKNOWN.exitCode;
        });
        int code = cmd.execute(args);
        io.out.flush();
        io.err.flush();
        return code;
    }

    /** Hands every command the run's {@link Io}. */
    private record Factory(Io io) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (Check.class.isAssignableFrom(cls)) {
                K k = CommandLine.defaultFactory().create(cls);
                ((Check) k).io = io;
                return k;
            }
            return CommandLine.defaultFactory().create(cls);
        }
    }

    /** A subcommand that asks the service something and reports a verdict. */
    abstract static class Check implements Callable<Integer> {

        @Mixin
        Common common;

        @Option(names = "--fail-on-warn", description = "Exit 1 (WARNING) on a warning instead of reporting OK.")
        boolean failOnWarn;

        Io io;

        abstract Report check(ReplicationStateClient client);

        abstract String name();

        @Override
        public Integer call() {
            String server = common.server != null ? common.server : io.env().getOrDefault(SERVER_ENV, DEFAULT_SERVER);
            URI base;
            try {
                base = URI.create(server);
            } catch (IllegalArgumentException e) {
                base = null;
            }
            if (base == null
                    || !("http".equals(base.getScheme()) || "https".equals(base.getScheme()))
                    || base.getHost() == null) {
                io.err().println("pgactive-tools " + name() + ": --server " + server + ": not an http URL");
                return Result.UNKNOWN.exitCode;
            }
            if (!(common.timeout > 0)) {
                io.err().println("pgactive-tools " + name() + ": --timeout must be above 0 seconds");
                return Result.UNKNOWN.exitCode;
            }
            Report report;
            try {
                Duration timeout = Duration.ofMillis(Math.max(1, (long) (common.timeout * 1000)));
                ReplicationStateClient client = ReplicationStateClient.builder(base)
                        .connectTimeout(timeout)
                        .requestTimeout(timeout)
                        .forShortLivedProcess()
                        .build();
                report = check(client);
            } catch (UsageException e) {
                io.err().println("pgactive-tools " + name() + ": " + e.getMessage());
                return Result.UNKNOWN.exitCode;
            } catch (NoSuchNode e) {
                report = Report.failure(name(), Result.UNKNOWN, e.getMessage());
            } catch (ServiceUnreachableException e) {
                report = Report.failure(name(), Result.UNKNOWN, e.getMessage());
            } catch (ProblemException e) {
                String why = e.status() == 503 ? "service not ready: " : e.status() == 404 ? "" : "service error: ";
                report = Report.failure(
                        name(), Result.UNKNOWN, why + (e.detail() != null ? e.detail() : e.getMessage()));
            } catch (ProtocolException e) {
                report = Report.failure(name(), Result.UNKNOWN, "bad reply from service: " + e.getMessage());
            }
            report.json.put("service", server);
            return emit(report);
        }

        int emit(Report r) {
            if (r.streamed) {
                return r.result.exitCode;
            }
            Result shown = r.result;
            String message = r.message;
            if (shown == Result.WARNING && !failOnWarn) {
                shown = Result.OK;
                message = message + " (warning only; --fail-on-warn exits 1)";
            }
            String word = name().toUpperCase(Locale.ROOT) + " " + shown;
            switch (common.format) {
                case json -> {
                    ObjectNode body = SnapshotJson.MAPPER.createObjectNode();
                    body.put("command", name());
                    body.put("result", shown.name());
                    body.put("exit_code", shown.exitCode);
                    body.put("message", message);
                    body.setAll(r.json);
                    try {
                        io.out()
                                .println(SnapshotJson.MAPPER
                                        .writerWithDefaultPrettyPrinter()
                                        .writeValueAsString(body));
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }
                case nagios ->
                    io.out()
                            .println("PGACTIVE " + word + ": " + message
                                    + (r.perfdata.isEmpty() ? "" : " | " + String.join(" ", r.perfdata)));
                case table -> {
                    List<String> lines = wrap(word + ": " + message, WIDTH);
                    io.out().println(paint(shown, word) + lines.get(0).substring(word.length()));
                    lines.subList(1, lines.size()).forEach(l -> io.out().println("  " + l));
                    if (r.table != null && !r.table.isEmpty()) {
                        r.table.render(WIDTH).forEach(io.out()::println);
                    }
                    for (String note : r.notes) {
                        io.out().println(note.length() > WIDTH ? note.substring(0, WIDTH - 1) + "~" : note);
                    }
                }
            }
            return shown.exitCode;
        }

        boolean colour() {
            return io.tty()
                    && !common.noColor
                    && common.format == Format.table
                    && !io.env().containsKey("NO_COLOR");
        }

        String paint(Result r, String text) {
            return colour(
                    text,
                    switch (r) {
                        case OK -> "32";
                        case WARNING -> "33";
                        case CRITICAL -> "31";
                        case UNKNOWN -> "35";
                    });
        }

        String paintStatus(String status) {
            return colour(
                    status,
                    switch (status) {
                        case "HEALTHY" -> "32";
                        case "DEGRADED" -> "33";
                        case "CRITICAL" -> "31";
                        default -> "35";
                    });
        }

        private String colour(String text, String code) {
            return colour() ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
        }

        /** Word-wrapped to {@code width}, continuation lines two narrower for their indent. */
        static List<String> wrap(String text, int width) {
            List<String> out = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String w : text.split(" ")) {
                int limit = out.isEmpty() ? width : width - 2;
                if (!line.isEmpty() && line.length() + 1 + w.length() > limit) {
                    out.add(line.toString());
                    line.setLength(0);
                }
                line.append(line.isEmpty() ? "" : " ").append(w);
            }
            out.add(line.toString());
            return out;
        }

        /** The {@code --node} values, comma lists allowed. */
        static List<String> split(List<String> values) {
            List<String> out = new ArrayList<>();
            if (values != null) {
                for (String v : values) {
                    for (String s : v.split(",")) {
                        if (!s.isBlank()) {
                            out.add(s.strip());
                        }
                    }
                }
            }
            return out;
        }
    }

    /** A {@code --node} the service does not know: UNKNOWN, as a monitored node that cannot be judged. */
    static final class NoSuchNode extends RuntimeException {
        NoSuchNode(String message) {
            super(message);
        }
    }

    /** A request that makes no sense (an unknown node, thresholds the wrong way round): exit 3 like a bad flag. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
