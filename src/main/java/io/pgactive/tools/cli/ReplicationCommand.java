package io.pgactive.tools.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.failover.FailoverDecision;
import io.pgactive.tools.contract.failover.FailoverPhase;
import io.pgactive.tools.contract.failover.FailoverProgress;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.failover.FailoverView;
import io.pgactive.tools.contract.failover.ResyncPhase;
import io.pgactive.tools.contract.failover.ResyncProgress;
import io.pgactive.tools.contract.failover.ResyncView;
import io.pgactive.tools.contract.failover.SynchronousStandbysView;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.sdk.ReplicationStateClient;
import io.pgactive.tools.workflow.failover.FailoverRules;
import io.pgactive.tools.workflow.failover.ReplicationView;
import io.pgactive.tools.workflow.failover.StandbyView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "replication",
        mixinStandardHelpOptions = true,
        description = {
            "Streaming replication: a primary's standbys, and failing the primary over to one of them.",
            "Starting a failover needs the service's failover token: --token or $" + ReplicationCommand.TOKEN_ENV + "."
        },
        subcommands = {
            ReplicationCommand.Status.class,
            ReplicationCommand.Failover.class,
            ReplicationCommand.Promote.class,
            ReplicationCommand.Resync.class,
            ReplicationCommand.SyncStandbys.class
        })
final class ReplicationCommand implements Callable<Integer> {

    static final String TOKEN_ENV = "PGACTIVE_TOOLS_FAILOVER_TOKEN";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("pgactive-tools replication: a command is required (status, failover, promote, resync,"
                        + " sync-standbys)");
        spec.commandLine().usage(spec.commandLine().getErr());
        return Result.UNKNOWN.exitCode;
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = {
                "A primary's standbys from the latest snapshot: state, sync state, lag.",
                "OK: a synchronous standby streams. WARNING: standbys stream but none is synchronous, or one is"
                        + " unreadable. CRITICAL: no standby streams. UNKNOWN: no such primary."
            })
    static final class Status extends PgactiveToolsCli.Check {

        @Parameters(
                paramLabel = "PRIMARY",
                arity = "0..1",
                description = "The primary (default: every node with streaming standbys).")
        String primary;

        @Override
        String name() {
            return "replication";
        }

        @Override
        Report check(ReplicationStateClient client) {
            Snapshot s = client.getSnapshot();
            List<String> primaries = primary != null ? List.of(primary) : streamingPrimaries(s);
            if (primary != null && !s.nodes().containsKey(primary)) {
                throw new PgactiveToolsCli.NoSuchNode("no node '" + primary + "' in the snapshot");
            }
            Report r = new Report(name());
            r.table = new Table("PRIMARY", "STANDBY", "STATUS", "STREAMING", "SYNC", "LAG_BYTES", "REPLAY_DELAY_S");
            r.json.put("version", s.version());
            r.json.put("collected_at", Nodes.time(s.collectedAt()));
            ArrayNode json = r.json.putArray("primaries");
            List<String> words = new ArrayList<>();
            if (primaries.isEmpty()) {
                r.result = Result.UNKNOWN;
                r.message = "no primary with streaming standbys in the snapshot";
                return r;
            }
            long now = s.collectedAt() == null
                    ? System.currentTimeMillis()
                    : s.collectedAt().toEpochMilli();
            for (String p : primaries) {
                ReplicationView view = FailoverRules.view(s, p, now);
                NodeState primaryNode = s.nodes().get(p);
                int streaming = 0;
                int synchronous = 0;
                List<String> unreadable = new ArrayList<>();
                ObjectNode o = json.addObject();
                o.put("primary", p);
                o.put("status", view.primary().status().name());
                ArrayNode standbys = o.putArray("standbys");
                for (StandbyView sb : view.standbys()) {
                    Link sender = sender(primaryNode, sb.node());
                    streaming += sb.wasStreaming() ? 1 : 0;
                    synchronous += sb.wasStreaming() && sb.synchronous() ? 1 : 0;
                    if (!sb.readable()) {
                        unreadable.add(sb.node());
                    }
                    Long lagBytes = sender == null ? null : sender.lagBytes();
                    Double delay = s.nodes().get(sb.node()) == null
                            ? null
                            : s.nodes().get(sb.node()).metrics().replayDelaySeconds();
                    r.table.row(
                            p,
                            sb.node(),
                            sb.status(),
                            sb.wasStreaming() ? "yes" : "no",
                            sb.syncState() == null ? "-" : sb.syncState(),
                            lagBytes == null ? "-" : lagBytes,
                            delay == null ? "-" : String.format(Locale.ROOT, "%.1f", delay));
                    ObjectNode j = standbys.addObject();
                    j.put("node", sb.node());
                    j.put("status", sb.status().name());
                    j.put("readable", sb.readable());
                    j.put("streaming", sb.wasStreaming());
                    j.put("sync_state", sb.syncState());
                    j.put("lag_bytes", lagBytes);
                    j.put("replay_delay_seconds", delay);
                    if (lagBytes != null) {
                        r.perfdata.add("'" + p + "_" + sb.node() + "_lag'=" + lagBytes + "B");
                    }
                }
                Result verdict;
                String why;
                if (streaming == 0) {
                    verdict = Result.CRITICAL;
                    why = p + ": no standby streaming";
                } else if (synchronous == 0) {
                    verdict = Result.WARNING;
                    why = p + ": " + streaming + " standby streaming, none synchronous";
                } else if (!unreadable.isEmpty()) {
                    verdict = Result.WARNING;
                    why = p + ": the service cannot read " + String.join(", ", unreadable);
                } else {
                    verdict = Result.OK;
                    why = p + ": " + streaming + " streaming, " + synchronous + " synchronous";
                }
                o.put("result", verdict.name());
                r.result = r.result.worst(verdict);
                words.add(why);
            }
            r.message = String.join("; ", words);
            return r;
        }

        /** Nodes whose latest reading lists a streaming standby. */
        private static List<String> streamingPrimaries(Snapshot s) {
            return s.nodes().values().stream()
                    .filter(n -> n.links().stream()
                            .anyMatch(l -> "streaming".equals(l.kind()) && Link.OUTBOUND.equals(l.direction())))
                    .map(NodeState::name)
                    .toList();
        }

        private static Link sender(NodeState primary, String standby) {
            if (primary == null) {
                return null;
            }
            return primary.links().stream()
                    .filter(l -> "streaming".equals(l.kind())
                            && Link.OUTBOUND.equals(l.direction())
                            && standby.equals(l.peer()))
                    .findFirst()
                    .orElse(null);
        }
    }

    @Command(
            name = "failover",
            mixinStandardHelpOptions = true,
            description = {
                "Fail a primary over to its best standby (synchronous first, then the most WAL received); running it"
                        + " again returns the same failover.",
                "OK: under way or completed. CRITICAL: refused (nothing changed) or failed."
            })
    static final class Failover extends PgactiveToolsCli.Check {

        @Parameters(paramLabel = "PRIMARY", description = "The primary to fail over.")
        String primary;

        @Option(
                names = "--force",
                description = "On a healthy primary: a planned switchover; also accept a standby over the lag maximum.")
        boolean force;

        @Option(names = "--to", paramLabel = "STANDBY", description = "The standby to promote (default: the best).")
        String to;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the history).")
        String reason;

        @Option(
                names = "--resync-old-primary",
                description = "Once the failover completes, rebuild PRIMARY as a standby of the promoted node when it"
                        + " answers again (resync-PRIMARY; bounded by pgactive.failover.resync.await-old-primary).")
        boolean resyncOldPrimary;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $" + TOKEN_ENV + ").")
        String token;

        @Override
        String name() {
            return "failover";
        }

        @Override
        Report check(ReplicationStateClient client) {
            return report(client.startFailover(primary, force, to, reason, resyncOldPrimary, token(this, token)));
        }

        static Report report(FailoverView v) {
            Report r = new Report("failover");
            FailoverProgress p = v.progress();
            FailoverDecision d = p == null ? null : p.decision();
            r.json.put("id", v.id());
            r.json.put("primary", v.primary());
            r.json.put("status", v.status());
            r.json.put("phase", p == null ? null : p.phase().name());
            r.json.put("standby", d == null ? null : d.standby());
            r.json.put("reason", d == null ? null : d.reason());
            r.json.put("error", p == null ? null : p.error());
            r.table = new Table("AT", "STEP", "STANDBY", "MESSAGE");
            if (p != null) {
                for (FailoverStep step : p.steps()) {
                    r.table.row(
                            Nodes.time(Instant.ofEpochMilli(step.atMillis())),
                            step.type(),
                            step.standby() == null ? "-" : step.standby(),
                            step.message());
                }
            }
            if (p == null) {
                r.result = Result.CRITICAL;
                r.message = v.id() + " " + v.status().toLowerCase(Locale.ROOT);
            } else if (p.phase() == FailoverPhase.REFUSED) {
                r.result = Result.CRITICAL;
                r.message = "refused, nothing changed: " + (d == null ? "" : d.reason());
            } else if (p.phase() == FailoverPhase.FAILED) {
                r.result = Result.CRITICAL;
                r.message = "failed: " + p.error();
            } else {
                // a completed failover with an error left something to the operator (its synchronous standbys)
                r.result = p.error() == null ? Result.OK : Result.WARNING;
                r.message = p.phase().name().toLowerCase(Locale.ROOT)
                        + (d == null || d.standby() == null ? "" : ": " + d.standby() + " is the new primary")
                        + (p.error() == null ? "" : "; " + p.error());
            }
            return r;
        }
    }

    static String token(PgactiveToolsCli.Check command, String given) {
        String t = given != null
                ? given
                : command.io.env().getOrDefault(TOKEN_ENV, command.io.env().get(GuardCommand.TOKEN_ENV));
        if (t == null || t.isBlank()) {
            throw new PgactiveToolsCli.UsageException("this command needs --token or $" + TOKEN_ENV);
        }
        return t;
    }

    @Command(
            name = "promote",
            mixinStandardHelpOptions = true,
            description = {
                "Promote a named standby: a failover of the primary it streams from, with the standby as --to (the"
                        + " same checks: the primary must be down, or --force for a planned switchover).",
                "OK: under way or completed. CRITICAL: refused (nothing changed) or failed."
            })
    static final class Promote extends PgactiveToolsCli.Check {

        @Parameters(paramLabel = "STANDBY", description = "The standby to promote.")
        String standby;

        @Option(
                names = "--force",
                description = "On a healthy primary: a planned switchover; also accept a standby over the lag maximum.")
        boolean force;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the history).")
        String reason;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $" + TOKEN_ENV + ").")
        String token;

        @Override
        String name() {
            return "promote";
        }

        @Override
        Report check(ReplicationStateClient client) {
            String t = token(this, token);
            Snapshot s = client.getSnapshot();
            if (!s.nodes().containsKey(standby)) {
                throw new PgactiveToolsCli.NoSuchNode("no node '" + standby + "' in the snapshot");
            }
            long now = System.currentTimeMillis();
            List<String> upstreams = s.nodes().keySet().stream()
                    .filter(p -> !p.equals(standby))
                    .filter(p -> FailoverRules.view(s, p, now).standbys().stream()
                            .anyMatch(v -> v.node().equals(standby) && v.inRecovery()))
                    .toList();
            if (upstreams.size() != 1) {
                throw new PgactiveToolsCli.UsageException(standby
                        + (upstreams.isEmpty()
                                ? " is no standby of a known primary in the snapshot"
                                : " follows more than one primary in the snapshot: " + upstreams));
            }
            return Failover.report(client.startFailover(upstreams.get(0), force, standby, reason, t));
        }
    }

    @Command(
            name = "resync",
            mixinStandardHelpOptions = true,
            description = {
                "Rebuild a node (an old primary) as a streaming standby of the new primary: pg_rewind, or a fresh"
                        + " base backup where a rewind cannot; done once the snapshot shows it streaming.",
                "OK: under way or completed. CRITICAL: failed."
            })
    static final class Resync extends PgactiveToolsCli.Check {

        @Parameters(paramLabel = "NODE", description = "The node to rebuild.")
        String node;

        @Option(
                names = "--from",
                paramLabel = "PRIMARY",
                description = "The primary to stream from (default: the standby the node's failover promoted).")
        String from;

        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the history).")
        String reason;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $" + TOKEN_ENV + ").")
        String token;

        @Override
        String name() {
            return "resync";
        }

        @Override
        Report check(ReplicationStateClient client) {
            ResyncView v = client.startResync(node, from, reason, token(this, token));
            Report r = new Report("resync");
            ResyncProgress p = v.progress();
            r.json.put("id", v.id());
            r.json.put("node", v.node());
            r.json.put("status", v.status());
            r.json.put("phase", p == null ? null : p.phase().name());
            r.json.put("from", p == null ? null : p.newPrimary());
            r.json.put("error", p == null ? null : p.error());
            r.table = new Table("AT", "STEP", "MESSAGE");
            if (p != null) {
                for (FailoverStep step : p.steps()) {
                    r.table.row(Nodes.time(Instant.ofEpochMilli(step.atMillis())), step.type(), step.message());
                }
            }
            if (p == null || p.phase() == ResyncPhase.FAILED) {
                r.result = Result.CRITICAL;
                r.message = p == null ? v.id() + " " + v.status().toLowerCase(Locale.ROOT) : "failed: " + p.error();
            } else {
                r.result = Result.OK;
                r.message = p.phase().name().toLowerCase(Locale.ROOT) + ": " + v.node() + " follows " + p.newPrimary();
            }
            return r;
        }
    }

    @Command(
            name = "sync-standbys",
            mixinStandardHelpOptions = true,
            description = {
                "Show or set a node's synchronous_standby_names (ALTER SYSTEM and a reload, verified). After a"
                        + " failover the new primary has none; name standbys here once they follow it.",
                "OK: read, or set and verified. CRITICAL: the node refused or did not take it."
            })
    static final class SyncStandbys extends PgactiveToolsCli.Check {

        @Parameters(paramLabel = "NODE", description = "The node (a primary, or one about to become one).")
        String node;

        @Option(
                names = "--names",
                paramLabel = "NODE[,NODE...]",
                split = ",",
                description = "Set: configured nodes, the first connected one confirms each commit.")
        List<String> names;

        @Option(names = "--none", description = "Set: no synchronous standby, commits wait for none.")
        boolean none;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $" + TOKEN_ENV + ").")
        String token;

        @Override
        String name() {
            return "sync-standbys";
        }

        @Override
        Report check(ReplicationStateClient client) {
            if (none && names != null) {
                throw new PgactiveToolsCli.UsageException("--names and --none exclude each other");
            }
            SynchronousStandbysView v = none || names != null
                    ? client.setSynchronousStandbys(node, none ? List.of() : names, token(this, token))
                    : client.synchronousStandbys(node);
            Report r = new Report(name());
            r.json.put("node", v.node());
            r.json.put("synchronous_standby_names", v.value());
            r.json.put("previous", v.previous());
            r.table = new Table("NODE", "SYNCHRONOUS_STANDBY_NAMES", "PREVIOUS");
            r.table.row(
                    v.node(), v.value().isEmpty() ? "(none)" : v.value(), v.previous() == null ? "-" : v.previous());
            r.result = Result.OK;
            String shown = v.value().isEmpty() ? "none (asynchronous)" : "'" + v.value() + "'";
            r.message = v.previous() == null
                    ? v.node() + ": synchronous standbys " + shown
                    : v.node() + ": synchronous standbys set to " + shown + ", was '" + v.previous() + "'";
            return r;
        }
    }
}
