package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverDecision;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The failover's decisions, pure: whether the primary is really down, which standby to promote, and when to refuse.
 * The workflow calls them with what its activities read, so a replay decides the same.
 */
public final class FailoverRules {

    private static final String STREAMING = "streaming";

    /** Best candidate first: synchronous before asynchronous, then most WAL received, then most replayed. */
    static final Comparator<StandbyView> PREFERENCE = Comparator.comparing(StandbyView::synchronous)
            .reversed()
            .thenComparing(Comparator.comparingLong(StandbyView::receivedLsn).reversed())
            .thenComparing(Comparator.comparingLong(StandbyView::replayLsn).reversed())
            .thenComparing(StandbyView::node);

    private FailoverRules() {}

    /**
     * Decides a failover of {@code request.primary()}.
     *
     * @param probeAnswered whether the primary answered the workflow's own direct probe just now
     */
    public static FailoverDecision decide(
            FailoverRequest request, ReplicationView view, boolean probeAnswered, FailoverPolicy policy) {
        PrimaryView primary = view.primary();
        if (!primary.configured()) {
            return FailoverDecision.refuse("no configured node is named '" + request.primary() + "'");
        }
        boolean planned;
        if (probeAnswered) {
            if (!request.force()) {
                return FailoverDecision.refuse("primary " + primary.node() + " answers a direct probe (snapshot: "
                        + primary.status() + "): it is not down; a planned switchover needs force");
            }
            planned = true;
        } else if (!request.force() && !primary.failing()) {
            return FailoverDecision.refuse(
                    "primary " + primary.node() + " did not answer the probe but the snapshot reads " + "it as "
                            + primary.status() + ": not confirmed down; retry, or force");
        } else if (!request.force() && primary.failingForMillis() < policy.downForMillis()) {
            return FailoverDecision.refuse("primary " + primary.node() + " has failed for " + primary.failingForMillis()
                    + " ms, less than the " + policy.downForMillis() + " ms that confirm it down");
        } else {
            planned = false;
        }

        Optional<StandbyView> promoted = view.standbys().stream()
                .filter(s -> s.readable() && !s.inRecovery())
                .findFirst();
        if (promoted.isPresent()) {
            // a second writer: the primary was failed over already and its standbys must follow the new one first
            return FailoverDecision.refuse(
                    promoted.get().node() + ", a standby of " + primary.node() + ", is out of recovery already: "
                            + primary.node() + " was failed over; resync before another failover");
        }
        Map<String, String> unfit = new LinkedHashMap<>();
        List<StandbyView> fit = new ArrayList<>();
        for (StandbyView s : view.standbys()) {
            Optional<String> why = unfitness(s);
            if (why.isPresent()) {
                unfit.put(s.node(), why.get());
            } else {
                fit.add(s);
            }
        }
        StandbyView chosen;
        if (request.toStandby() != null) {
            Optional<StandbyView> named = view.standbys().stream()
                    .filter(s -> s.node().equals(request.toStandby()))
                    .findFirst();
            if (named.isEmpty()) {
                return FailoverDecision.refuse(request.toStandby() + " is not a standby of " + primary.node()
                        + " in snapshot " + view.version());
            }
            if (unfit.containsKey(request.toStandby())) {
                return FailoverDecision.refuse(
                        request.toStandby() + " cannot be promoted: " + unfit.get(request.toStandby()));
            }
            chosen = named.get();
        } else if (fit.isEmpty()) {
            return FailoverDecision.refuse("no fit standby of " + primary.node()
                    + (unfit.isEmpty() ? ": none follows it in snapshot " + view.version() : ": " + describe(unfit)));
        } else {
            chosen = fit.stream().min(PREFERENCE).orElseThrow();
        }

        if (planned) {
            return new FailoverDecision(
                    true,
                    true,
                    chosen.node(),
                    "planned switchover from " + primary.node() + " to " + chosen.node() + " (" + mode(chosen)
                            + "): writes are held until it has replayed everything",
                    0);
        }
        long loss = primary.lastLsn() >= 0 && chosen.receivedLsn() >= 0
                ? Math.max(0, primary.lastLsn() - chosen.receivedLsn())
                : -1;
        if (!chosen.synchronous() && !request.force()) {
            if (loss < 0) {
                return FailoverDecision.refuse(chosen.node() + " is asynchronous and its lag behind " + primary.node()
                        + " is unknown; force accepts the possible loss");
            }
            if (loss > policy.maxLagBytes()) {
                return FailoverDecision.refuse(chosen.node() + " is asynchronous and may miss " + loss
                        + " bytes of WAL, more than the maximum of " + policy.maxLagBytes()
                        + "; force accepts the loss");
            }
        }
        String why = "primary " + primary.node() + " down for " + primary.failingForMillis() + " ms; promoting "
                + chosen.node() + " (" + mode(chosen) + ", " + (loss < 0 ? "lag unknown" : loss + " bytes behind")
                + ")";
        return new FailoverDecision(true, false, chosen.node(), why, chosen.synchronous() ? 0 : loss);
    }

    private static Optional<String> unfitness(StandbyView s) {
        if (!s.readable()) {
            return Optional.of("the service cannot read it (" + s.status() + ")");
        }
        if (!s.inRecovery()) {
            return Optional.of("it is not in recovery");
        }
        if (!s.wasStreaming() && s.receivedLsn() < 0) {
            return Optional.of("it never streamed from the primary");
        }
        return Optional.empty();
    }

    private static String mode(StandbyView s) {
        return s.synchronous() ? "synchronous" : "asynchronous";
    }

    private static String describe(Map<String, String> unfit) {
        List<String> parts = new ArrayList<>();
        unfit.forEach((node, why) -> parts.add(node + ": " + why));
        return String.join("; ", parts);
    }

    /**
     * Reads the primary and every standby that follows it from one snapshot. A standby follows the primary when its
     * inbound streaming link names it (the collector keeps the last upstream while the receiver is down) or the
     * primary's last outbound reading lists it.
     */
    /** Read in its latest cycle: what {@link StandbyView#readable()} says of a standby. */
    public static boolean readable(NodeState n) {
        return n.consecutiveFailures() == 0 && n.status() != NodeStatus.DOWN && n.lastSuccessAt() != null;
    }

    public static ReplicationView view(Snapshot snapshot, String primaryNode, long nowMillis) {
        if (snapshot == null) {
            return new ReplicationView(0, new PrimaryView(primaryNode, NodeStatus.UNKNOWN, false, 0, -1), List.of());
        }
        NodeState p = snapshot.nodes().get(primaryNode);
        if (p == null) {
            return new ReplicationView(
                    snapshot.version(), new PrimaryView(primaryNode, NodeStatus.UNKNOWN, false, 0, -1), List.of());
        }
        long failingFor = 0;
        if (p.consecutiveFailures() > 0 || p.status() == NodeStatus.DOWN) {
            failingFor = p.lastSuccessAt() == null
                    ? Long.MAX_VALUE / 2
                    : Math.max(1, nowMillis - p.lastSuccessAt().toEpochMilli());
        }
        Map<String, Link> senders = new LinkedHashMap<>();
        long lastLsn = lsn(p.metrics() == null ? null : p.metrics().walLsn());
        for (Link l : p.links()) {
            if (STREAMING.equals(l.kind()) && Link.OUTBOUND.equals(l.direction()) && l.peer() != null) {
                senders.put(l.peer(), l);
                lastLsn = Math.max(lastLsn, lsn(l.sentLsn()));
            }
        }
        PrimaryView primary = new PrimaryView(primaryNode, p.status(), true, failingFor, lastLsn);
        List<StandbyView> standbys = new ArrayList<>();
        for (NodeState n : snapshot.nodes().values()) {
            if (n.name().equals(primaryNode)) {
                continue;
            }
            Optional<Link> receiver = n.links().stream()
                    .filter(l -> STREAMING.equals(l.kind())
                            && Link.INBOUND.equals(l.direction())
                            && primaryNode.equals(l.peer()))
                    .findFirst();
            Link sender = senders.get(n.name());
            if (receiver.isEmpty() && sender == null) {
                continue;
            }
            NodeMetrics m = n.metrics() == null ? NodeMetrics.EMPTY : n.metrics();
            long received = receiver.map(l -> lsn(l.flushLsn())).orElse(-1L);
            if (received < 0) {
                received = lsn(m.walLsn());
            }
            long replayed = receiver.map(l -> lsn(l.replayLsn())).orElse(lsn(m.replayLsn()));
            boolean readable = readable(n);
            standbys.add(new StandbyView(
                    n.name(),
                    n.status(),
                    readable,
                    Boolean.TRUE.equals(m.inRecovery()),
                    sender == null ? null : sender.syncState(),
                    sender != null && STREAMING.equals(sender.state()),
                    received,
                    replayed));
        }
        return new ReplicationView(snapshot.version(), primary, standbys);
    }

    /** {@code 16/B374D848} as a number; -1 for null or anything else. */
    public static long lsn(String text) {
        if (text == null) {
            return -1;
        }
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            return -1;
        }
        try {
            return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
