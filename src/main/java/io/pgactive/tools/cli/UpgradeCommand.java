package io.pgactive.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeView;
import io.pgactive.tools.sdk.ReplicationStateClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "upgrade",
        mixinStandardHelpOptions = true,
        description = {
            "Rolling major-version upgrades: start one, watch it, roll it back, resume or approve it.",
            "OK: running or completed. WARNING: waiting for approval, or rolled back. CRITICAL: held for the operator"
                    + " (escalated lag, apply errors, failed health check) or failed. UNKNOWN: Temporal unreachable.",
            "Changing an upgrade needs the service's upgrade.token: --token or $" + UpgradeCommand.TOKEN_ENV + "."
        },
        subcommands = {
            UpgradeCommand.Start.class,
            UpgradeCommand.Status.class,
            UpgradeCommand.Rollback.class,
            UpgradeCommand.Resume.class,
            UpgradeCommand.Approve.class
        })
final class UpgradeCommand implements Callable<Integer> {

    static final String TOKEN_ENV = "PGACTIVE_TOOLS_UPGRADE_TOKEN";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("pgactive-tools upgrade: a command is required (start, status, rollback, resume, approve)");
        spec.commandLine().usage(spec.commandLine().getErr());
        return Result.UNKNOWN.exitCode;
    }

    /** What every upgrade subcommand shares: the verdict over the upgrades it shows and its output. */
    abstract static class UpgradeCheck extends PgactiveToolsCli.Check {

        @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $" + TOKEN_ENV + ").")
        String token;

        String bearer() {
            String t = token != null
                    ? token
                    : io.env().getOrDefault(TOKEN_ENV, io.env().get(GuardCommand.TOKEN_ENV));
            if (t == null || t.isBlank()) {
                throw new PgactiveToolsCli.UsageException("changing an upgrade needs --token or $" + TOKEN_ENV);
            }
            return t;
        }

        @Override
        String name() {
            return "upgrade";
        }

        Report report(List<UpgradeView> shown, String temporal, String temporalError) {
            Report r = new Report(name());
            r.table = new Table("SOURCE", "PHASE", "DONE", "TARGET", "LAG", "HOLD", "HEALTH");
            r.json.put("temporal", temporal);
            ArrayNode json = r.json.putArray("upgrades");
            StringBuilder message = new StringBuilder();
            for (UpgradeView v : shown) {
                Verdict verdict = verdict(v, temporal, temporalError);
                r.result = r.result.worst(verdict.result());
                UpgradeProgress p = v.progress();
                HealthReport h = p == null ? null : p.lastHealthCheck();
                String health = h == null ? "-" : h.healthy() ? "passed" : "failed";
                r.table.row(
                        v.source(),
                        p == null ? v.status() : p.phase().name(),
                        p == null ? "-" : p.percent() + "%",
                        p == null ? "-" : p.targetPercent() + "%",
                        p == null ? "-" : bytes(p.lagBytes()),
                        p == null || p.hold() == UpgradeHold.NONE
                                ? "-"
                                : p.hold().name(),
                        health);
                if (p != null && p.holdReason() != null) {
                    r.notes.add("  " + v.source() + ": " + p.holdReason());
                }
                if (h != null && !h.healthy()) {
                    r.notes.add("  " + v.source() + " health check: " + String.join("; ", h.problems()));
                }
                message.append(message.length() == 0 ? "" : "; ")
                        .append(v.source())
                        .append(' ')
                        .append(verdict.why());
                if (p != null) {
                    String label = v.source();
                    r.perfdata.add(label + "_percent=" + p.percent() + "%;;;0;100");
                    r.perfdata.add(label + "_on_target=" + p.targetPercent() + "%;;;0;100");
                    if (p.lagBytes() >= 0) {
                        r.perfdata.add(label + "_lag=" + p.lagBytes() + "B");
                    }
                }
                ObjectNode o = json.addObject();
                o.put("id", v.id());
                o.put("source", v.source());
                o.put("result", verdict.result().name());
                o.put("status", v.status());
                o.put("phase", p == null ? null : p.phase().name());
                o.put("percent", p == null ? null : p.percent());
                o.put("target_percent", p == null ? null : p.targetPercent());
                o.put("lag_bytes", p == null || p.lagBytes() < 0 ? null : p.lagBytes());
                o.put("hold", p == null ? null : p.hold().name());
                o.put("hold_reason", p == null ? null : p.holdReason());
                o.put("health_check", h == null ? null : h.healthy() ? "passed" : "failed");
                o.put("error", p == null || p.state() == null ? null : p.state().error());
            }
            r.message = shown.isEmpty() ? "no upgrades" : message.toString();
            return r;
        }

        private static String bytes(long b) {
            if (b < 0) {
                return "?";
            }
            return b >= 1 << 20 ? b / (1 << 20) + " MiB" : b >= 1024 ? b / 1024 + " KiB" : b + " B";
        }
    }

    /** One upgrade's result and, in words, why. */
    record Verdict(Result result, String why) {}

    static Verdict verdict(UpgradeView v, String temporal, String temporalError) {
        if (temporal != null && !"CONNECTED".equals(temporal)) {
            return new Verdict(
                    Result.UNKNOWN,
                    "unknown: Temporal " + temporal.toLowerCase(Locale.ROOT)
                            + (temporalError == null ? "" : " (" + temporalError + ")"));
        }
        UpgradeProgress p = v.progress();
        if (p == null) {
            return new Verdict(Result.CRITICAL, "upgrade run " + v.status().toLowerCase(Locale.ROOT));
        }
        String where = p.phase().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " (" + p.percent() + "%, "
                + p.targetPercent() + "% on the target)";
        if (p.hold() != UpgradeHold.NONE) {
            return new Verdict(
                    Result.CRITICAL,
                    "held: " + p.hold().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + p.holdReason());
        }
        if (p.phase() == UpgradePhase.FAILED) {
            return new Verdict(
                    Result.CRITICAL,
                    "failed: " + (p.state() == null ? "" : p.state().error()));
        }
        if (p.phase() == UpgradePhase.ROLLED_BACK) {
            return new Verdict(
                    Result.WARNING,
                    "rolled back: " + (p.state() == null ? "" : p.state().rollbackReason()));
        }
        if (p.phase() == UpgradePhase.AWAITING_APPROVAL) {
            return new Verdict(Result.WARNING, "cut over; waiting for approval to decommission the source");
        }
        return new Verdict(Result.OK, where);
    }

    @Command(
            name = "start",
            mixinStandardHelpOptions = true,
            description = "Start the upgrade of a node (running it again attaches to the same upgrade).")
    static final class Start extends UpgradeCheck {
        @Option(names = "--source", required = true, paramLabel = "NODE", description = "The node to upgrade.")
        String source;

        @Option(
                names = "--target-version",
                required = true,
                paramLabel = "MAJOR",
                description = "PostgreSQL major version, e.g. 18.")
        int targetVersion;

        @Option(
                names = "--shift",
                paramLabel = "PERCENTS",
                split = ",",
                description = "Traffic steps in percent, e.g. 25,25,50 (the cutover moves the rest).")
        List<Integer> shifts;

        @Option(
                names = "--tables",
                paramLabel = "PATTERNS",
                split = ",",
                description = "Tables to replicate, e.g. public.*,sales.orders.")
        List<String> tables;

        @Option(
                names = "--instance-class",
                paramLabel = "CLASS",
                description = "Size of the new database (default: the source's).")
        String instanceClass;

        @Option(names = "--tag", paramLabel = "KEY=VALUE", description = "A label for what is created (repeatable).")
        Map<String, String> tags = new LinkedHashMap<>();

        @Override
        Report check(ReplicationStateClient client) {
            UpgradeView v = client.startUpgrade(
                    new UpgradeRequest(source, targetVersion, shifts, tables, instanceClass, tags), bearer());
            return report(List.of(v), null, null);
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Show upgrades (default: all) with a Nagios verdict.")
    static final class Status extends UpgradeCheck {
        @Parameters(
                paramLabel = "ID",
                arity = "0..1",
                description = "Upgrade id (rolling-upgrade-NODE) or source node.")
        String id;

        @Override
        Report check(ReplicationStateClient client) {
            ReplicationStateClient.Upgrades all = client.upgrades();
            List<UpgradeView> shown = new ArrayList<>(all.upgrades());
            if (id != null) {
                shown.removeIf(v -> !v.id().equals(id) && !v.source().equals(id));
                if (shown.isEmpty()) {
                    throw new PgactiveToolsCli.NoSuchNode("no upgrade '" + id + "'");
                }
            }
            return report(shown, all.temporalConnection(), all.temporalError());
        }
    }

    /** rollback, resume and approve: an id and a reason. */
    abstract static class Act extends UpgradeCheck {
        @Parameters(paramLabel = "ID", description = "Upgrade id (rolling-upgrade-NODE) or source node.")
        String id;

        @Option(
                names = "--reason",
                required = true,
                paramLabel = "TEXT",
                description = "Why (recorded in the upgrade's history).")
        String reason;

        abstract UpgradeView act(ReplicationStateClient client, String bearer);

        @Override
        Report check(ReplicationStateClient client) {
            if (reason.isBlank()) {
                throw new PgactiveToolsCli.UsageException("--reason must not be empty");
            }
            return report(List.of(act(client, bearer())), null, null);
        }
    }

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Roll back (also after cutover): returns once all traffic is back on the source.")
    static final class Rollback extends Act {
        @Override
        UpgradeView act(ReplicationStateClient client, String bearer) {
            return client.rollbackUpgrade(id, reason, bearer);
        }
    }

    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = "Let an upgrade held for the operator go on.")
    static final class Resume extends Act {
        @Override
        UpgradeView act(ReplicationStateClient client, String bearer) {
            return client.resumeUpgrade(id, reason, bearer);
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve decommissioning the source.")
    static final class Approve extends Act {
        @Override
        UpgradeView act(ReplicationStateClient client, String bearer) {
            return client.approveUpgrade(id, reason, bearer);
        }
    }
}
