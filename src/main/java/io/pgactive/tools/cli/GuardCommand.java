package io.pgactive.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.pgactive.tools.contract.guard.GuardMode;
import io.pgactive.tools.contract.guard.GuardState;
import io.pgactive.tools.contract.guard.GuardView;
import io.pgactive.tools.sdk.ReplicationStateClient;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        exitCodeListHeading = PgactiveToolsCli.EXIT_HEADING,
        exitCodeList = {
            PgactiveToolsCli.EXIT_0,
            PgactiveToolsCli.EXIT_1,
            PgactiveToolsCli.EXIT_2,
            PgactiveToolsCli.EXIT_3
        },
        footer = PgactiveToolsCli.FOOTER,
        name = "guard",
        mixinStandardHelpOptions = true,
        description = {
            "The write guards: each gate's state, and start, stop or override one.",
            "OK: guard running, writes open. WARNING: writes paused or held by an operator. CRITICAL: escalated"
                    + " (writes were held longer than max_pause) or the gate failed. UNKNOWN: Temporal unreachable or"
                    + " disabled, or the guard is not running.",
            "Changing a guard needs the service's guard.token: --token or $" + GuardCommand.TOKEN_ENV + "."
        })
final class GuardCommand extends PgactiveToolsCli.Check {

    static final String TOKEN_ENV = "PGACTIVE_TOOLS_GUARD_TOKEN";

    @Parameters(
            paramLabel = "GATE",
            arity = "0..*",
            description = "Gates to show (default: all); exactly one with an action.")
    List<String> gates;

    static final class Action {
        @Option(names = "--start", description = "Start the gate's guard (idempotent).")
        boolean start;

        @Option(names = "--stop", description = "Stop the gate's guard; writes it paused are resumed.")
        boolean stop;

        @Option(names = "--pause", description = "Operator override: hold writes whatever the lag.")
        boolean pause;

        @Option(names = "--resume", description = "Operator override: let writes through whatever the lag.")
        boolean resume;

        @Option(names = "--release", description = "Hand the gate back to the lag rules (also clears an escalation).")
        boolean release;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Action action;

    @Option(
            names = "--reason",
            paramLabel = "TEXT",
            description = "Why (recorded; required by --pause, --resume, --release).")
    String reason;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $" + TOKEN_ENV + ").")
    String token;

    @Override
    String name() {
        return "guard";
    }

    @Override
    Report check(ReplicationStateClient client) {
        List<String> selected = split(gates);
        if (action != null) {
            if (selected.size() != 1) {
                throw new PgactiveToolsCli.UsageException("an action needs exactly one GATE");
            }
            act(client, selected.get(0));
        }
        ReplicationStateClient.Guards all = client.guards();
        Report r = new Report(name());
        r.table = new Table("GATE", "NODE", "WRITES", "MODE", "LAG_NOW", "LAST DECISION");
        ArrayNode json = r.json.putArray("guards");
        r.json.put("temporal", all.temporalConnection());
        List<GuardView> shown = all.guards().stream()
                .filter(g -> selected.isEmpty() || selected.contains(g.gate()))
                .toList();
        for (String wanted : selected) {
            if (shown.stream().noneMatch(g -> g.gate().equals(wanted))) {
                throw new PgactiveToolsCli.NoSuchNode("no gate named '" + wanted + "'");
            }
        }
        StringBuilder message = new StringBuilder();
        for (GuardView g : shown) {
            Verdict verdict = verdict(g, all);
            r.result = r.result.worst(verdict.result());
            GuardState s = g.status() == null ? null : g.status().state();
            String writes = s == null
                    ? (g.running() == null ? "?" : "not guarded")
                    : s.gate().name();
            String mode = s == null ? "-" : s.mode().name();
            Double lag = g.nodeNow() == null ? null : g.nodeNow().lagSeconds();
            GuardDecision last = s == null || s.recent().isEmpty()
                    ? null
                    : s.recent().get(s.recent().size() - 1);
            r.table.row(
                    g.gate(),
                    g.node(),
                    writes,
                    mode,
                    lag == null ? "-" : String.format(Locale.ROOT, "%.1fs", lag),
                    last == null ? "-" : last.action() + ": " + last.reason());
            if (s != null && s.lastError() != null) {
                r.notes.add("  " + g.gate() + ": " + s.lastError());
            }
            if (verdict.result() != Result.OK) {
                message.append(message.length() == 0 ? "" : "; ")
                        .append(g.gate())
                        .append(' ')
                        .append(verdict.why());
            }
            ObjectNode o = json.addObject();
            o.put("gate", g.gate());
            o.put("node", g.node());
            o.put("result", verdict.result().name());
            o.put("running", g.running());
            o.put("writes", writes);
            o.put("mode", mode);
            o.put("lag_seconds", lag);
            o.put("last_decision", last == null ? null : last.action());
            o.put("last_reason", last == null ? null : last.reason());
            o.put("error", s == null ? null : s.lastError());
        }
        r.message = shown.isEmpty()
                ? "no gates configured"
                : message.length() == 0 ? shown.size() + " guard(s) running, writes open" : message.toString();
        return r;
    }

    private void act(ReplicationStateClient client, String gate) {
        String bearer = token != null ? token : io.env().get(TOKEN_ENV);
        if (bearer == null || bearer.isBlank()) {
            throw new PgactiveToolsCli.UsageException("changing a guard needs --token or $" + TOKEN_ENV);
        }
        boolean override = action.pause || action.resume || action.release;
        if (override && (reason == null || reason.isBlank())) {
            throw new PgactiveToolsCli.UsageException("--reason is required with --pause, --resume and --release");
        }
        if (action.start) {
            client.startGuard(gate, bearer);
        } else if (action.stop) {
            client.stopGuard(gate, reason == null ? "stopped from the command line" : reason, bearer);
        } else {
            client.overrideGuard(gate, action.pause ? "pause" : action.resume ? "resume" : "release", reason, bearer);
        }
    }

    /** A gate's result and, when it is not OK, why. */
    private record Verdict(Result result, String why) {}

    private static Verdict verdict(GuardView g, ReplicationStateClient.Guards all) {
        if (!"CONNECTED".equals(all.temporalConnection())) {
            return new Verdict(
                    Result.UNKNOWN,
                    "unknown: Temporal "
                            + (all.temporalConnection() == null
                                    ? "state unknown"
                                    : all.temporalConnection().toLowerCase(Locale.ROOT))
                            + (all.temporalError() == null ? "" : " (" + all.temporalError() + ")"));
        }
        if (g.status() == null) {
            return new Verdict(Result.UNKNOWN, "not guarded (guard not running)");
        }
        GuardState s = g.status().state();
        String state =
                "writes " + s.gate() + ", mode " + s.mode() + (s.lastError() == null ? "" : ", " + s.lastError());
        if (s.mode() == GuardMode.ESCALATED || s.lastError() != null) {
            return new Verdict(Result.CRITICAL, state);
        }
        if (s.gate() != GateState.OPEN || s.mode() != GuardMode.AUTO) {
            return new Verdict(Result.WARNING, state);
        }
        return new Verdict(Result.OK, state);
    }
}
