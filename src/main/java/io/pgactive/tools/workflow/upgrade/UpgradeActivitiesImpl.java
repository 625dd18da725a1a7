package io.pgactive.tools.workflow.upgrade;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.collect.CollectorService;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Operation.OperationState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryService;
import io.pgactive.tools.workflow.ActivityCalls;
import io.pgactive.tools.workflow.OperationBoard;
import io.quarkiverse.temporal.TemporalActivity;
import io.smallrye.mutiny.subscription.Cancellable;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.failure.ApplicationFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The upgrade's activities: thin calls to the ports, with the snapshot for what the service already watches. Each one
 * is safe to repeat because the ports are (they find what an earlier call did), and each turns a port's
 * {@link UpgradeException} into a retryable or non-retryable failure as the port says.
 */
@ApplicationScoped
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalActivity(workers = {})
public class UpgradeActivitiesImpl implements UpgradeActivities {

    private static final Logger LOG = Logger.getLogger(UpgradeActivitiesImpl.class);
    static final long HEARTBEAT_MILLIS = 5_000;
    private static final Pattern MAJOR = Pattern.compile("^(\\d+)");
    /** How far ahead of the source the target's sequences start while traffic is split: ids the source can still use. */
    static final long SPLIT_SEQUENCE_HEADROOM = 1_000_000;

    private final UpgradePorts.Factory ports;
    private final ToolsConfig config;
    private final SnapshotBus bus;
    private final CollectorService collector;
    private final HistoryService history;
    private final UpgradeService upgrades;
    private final SqlProbe probe;
    private final OperationBoard board;
    private final ActivityOnce recorded = new ActivityOnce();

    @Inject
    public UpgradeActivitiesImpl(
            UpgradePorts.Factory ports,
            ToolsConfig config,
            SnapshotBus bus,
            CollectorService collector,
            HistoryService history,
            UpgradeService upgrades,
            SqlProbe probe,
            OperationBoard board) {
        this.ports = ports;
        this.config = config;
        this.bus = bus;
        this.collector = collector;
        this.history = history;
        this.upgrades = upgrades;
        this.probe = probe;
        this.board = board;
    }

    @Override
    public DatabaseRef validateInput(UpgradeRequest request, String targetNode) {
        List<String> problems = UpgradeRules.validate(request);
        if (!problems.isEmpty()) {
            throw ApplicationFailure.newNonRetryableFailure(String.join("; ", problems), "InvalidUpgrade");
        }
        ToolsConfig.NodeConfig node = sourceConfig(request.source());
        UpgradePorts p = ports(request.source());
        Snapshot s = bus.latest().map(PublishedSnapshot::snapshot).orElse(null);
        if (!HealthCheck.readable(s, node.name())) {
            throw ApplicationFailure.newFailure(
                    "source " + node.name() + " is not readable in the latest snapshot yet", "SourceUnreadable");
        }
        NodeState state = s.nodes().get(node.name());
        int major = major(state.serverVersion());
        if (major <= 0) {
            throw ApplicationFailure.newFailure(
                    "the server version of " + node.name() + " is not known yet", "SourceUnreadable");
        }
        if (request.targetVersion() <= major) {
            throw ApplicationFailure.newNonRetryableFailure(
                    "target_version " + request.targetVersion() + " is not newer than " + node.name() + "'s PostgreSQL "
                            + major,
                    "InvalidUpgrade");
        }
        if (p.provisioner().find(targetNode).isPresent()) {
            LOG.infof(
                    "upgrade of %s: target %s exists already (a repeated start): it is reused",
                    node.name(), targetNode);
        }
        Dsn dsn = node.dsn();
        DatabaseRef source = new DatabaseRef(node.name(), dsn.host(), dsn.port(), dsn.database(), major);
        List<String> risks = port(() -> p.replication().preflight(source, request.scope()));
        if (!risks.isEmpty()) {
            throw ApplicationFailure.newNonRetryableFailure(
                    "the upgrade would lose or refuse data; fix first: " + String.join("; ", risks), "PreflightFailed");
        }
        return source;
    }

    @Override
    public DatabaseRef provisionTarget(ProvisionRequest request) {
        UpgradePorts p = ports(request.source().node());
        DatabaseRef target = port(() -> p.provisioner().provision(request));
        scrape(p, target);
        return target;
    }

    @Override
    public List<String> configureParams(DatabaseRef source, DatabaseRef target) {
        UpgradePorts p = ports(source.node());
        List<String> pending = new ArrayList<>();
        port(() -> p.replication().configure(source)).forEach(s -> pending.add(source.node() + ": " + s));
        port(() -> p.replication().configure(target)).forEach(s -> pending.add(target.node() + ": " + s));
        return pending;
    }

    @Override
    public void installExtension(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {
        UpgradePorts p = ports(source.node());
        port(() -> {
            p.replication().install(source, scope);
            p.replication().install(target, scope);
            return null;
        });
    }

    @Override
    public ReplicationState startReplication(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {
        UpgradePorts p = ports(source.node());
        return port(() -> {
            p.replication().start(source, target, scope);
            return p.replication().state(source, target);
        });
    }

    @Override
    public ReplicationState awaitInitialCopy(DatabaseRef source, DatabaseRef target) {
        UpgradePorts p = ports(source.node());
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        while (true) {
            ReplicationState s = port(() -> p.replication().state(source, target));
            if (s.initialCopyDone() && s.forwardActive()) {
                return s;
            }
            ctx.heartbeat(s.detail());
            sleep(HEARTBEAT_MILLIS);
        }
    }

    @Override
    public SyncReading waitForSync(DatabaseRef source, DatabaseRef target, UpgradePolicy policy, long applyErrorsSeen) {
        UpgradePorts p = ports(source.node());
        scrape(p, target);
        ActivityExecutionContext ctx = Activity.getExecutionContext();
        long holdingSince = ctx.getHeartbeatDetails(Long.class).orElse(0L);
        long deadline = System.currentTimeMillis() + policy.syncChunkMillis();
        // every version in order, bounded; a reader that falls behind starts its hold time over
        BlockingQueue<PublishedSnapshot> pending = new ArrayBlockingQueue<>(SnapshotBus.SUBSCRIBER_BUFFER);
        AtomicBoolean overflowed = new AtomicBoolean();
        Cancellable subscription = bus.follow("upgrade sync " + source.node(), null, s -> {
            if (!pending.offer(s)) {
                overflowed.set(true);
            }
        });
        try {
            bus.latest().ifPresent(pending::offer);
            SyncReading last = new SyncReading(
                    System.currentTimeMillis(), false, -1, applyErrorsSeen, false, "no snapshot yet", 0);
            long lastVersion = 0;
            while (true) {
                PublishedSnapshot snap = pending.poll(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                if (overflowed.getAndSet(false)) {
                    holdingSince = 0;
                    pending.clear();
                    snap = bus.latest().orElse(snap);
                }
                if (snap != null && snap.version() > lastVersion) {
                    lastVersion = snap.version();
                    last = reading(p, snap, source, target, policy);
                    if (last.applyErrors() > applyErrorsSeen) {
                        return last;
                    }
                    boolean ok = last.nodesHealthy()
                            && last.lagBytes() >= 0
                            && last.lagBytes() <= policy.lagThresholdBytes();
                    long at = snap.snapshot().collectedAt().toEpochMilli();
                    holdingSince = !ok ? 0 : holdingSince == 0 ? at : holdingSince;
                    upgrades.observed(source.node(), last.lagBytes());
                    if (ok && at - holdingSince >= policy.syncHoldMillis()) {
                        return new SyncReading(
                                last.atMillis(),
                                true,
                                last.lagBytes(),
                                last.applyErrors(),
                                true,
                                last.detail(),
                                last.version());
                    }
                }
                if (System.currentTimeMillis() >= deadline) {
                    return last;
                }
                // also the cancellation point: heartbeat throws once the workflow cancels this activity
                ctx.heartbeat(holdingSince);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApplicationFailure.newFailure("interrupted while waiting for sync", "Interrupted");
        } finally {
            subscription.cancel();
        }
    }

    private SyncReading reading(
            UpgradePorts p, PublishedSnapshot snap, DatabaseRef source, DatabaseRef target, UpgradePolicy policy) {
        Snapshot s = snap.snapshot();
        boolean nodes = HealthCheck.readable(s, source.node()) && HealthCheck.readable(s, target.node());
        try {
            ReplicationState r = p.replication().state(source, target);
            long lag = r.forwardActive() ? r.forwardLagBytes() : -1;
            String detail =
                    (r.forwardActive() ? "forward lag " + UpgradeRules.bytes(lag) : "forward replication not running")
                            + (nodes ? "" : "; a node is not readable in the snapshot")
                            + (r.detail() == null ? "" : "; " + r.detail());
            return new SyncReading(
                    System.currentTimeMillis(), false, lag, r.applyErrors(), nodes, detail, snap.version());
        } catch (UpgradeException e) {
            return new SyncReading(
                    System.currentTimeMillis(),
                    false,
                    -1,
                    0,
                    nodes,
                    "replication state unreadable: " + e.getMessage(),
                    snap.version());
        }
    }

    @Override
    public TrafficSplit shiftTraffic(DatabaseRef source, DatabaseRef target, UpgradeScope scope, int targetPercent) {
        UpgradePorts p = ports(source.node());
        return port(() -> {
            if (targetPercent > 0) {
                // before the first connection reaches the target: its sequences ahead of the source's, the path back
                // open.
                // Both sides take inserts while traffic is split; an equal value would let the source hand out ids
                // the target already used, so the target starts far enough ahead for the source's inserts until
                // cutover.
                p.replication().syncSequencesAhead(source, target, scope, SPLIT_SEQUENCE_HEADROOM);
                p.replication().startReverse(source, target);
                p.router().attach(target);
            }
            TrafficSplit split = p.router().shift(targetPercent);
            if (targetPercent == 0 || targetPercent == 100) {
                p.router().closeStaleSessions();
            }
            upgrades.observedSplit(source.node(), split.targetPercent());
            return split;
        });
    }

    @Override
    public HealthReport runHealthChecks(
            DatabaseRef source, DatabaseRef target, UpgradePolicy policy, long applyErrorsSeen) {
        UpgradePorts p = ports(source.node());
        scrape(p, target);
        ReplicationState r;
        try {
            r = p.replication().state(source, target);
        } catch (UpgradeException e) {
            r = null;
        }
        List<String> probeErrors = config.upgrade()
                .healthProbe()
                .map(sql -> probe.run(
                        sql,
                        Map.of(
                                source.node(),
                                sourceConfig(source.node()).dsn(),
                                target.node(),
                                p.provisioner()
                                        .dsn(target.node())
                                        .orElseThrow(() -> ApplicationFailure.newFailure(
                                                "no DSN for target " + target.node(), "TargetMissing")))))
                .orElse(List.of());
        HealthReport h = HealthCheck.check(
                System.currentTimeMillis(),
                bus.latest().map(PublishedSnapshot::snapshot).orElse(null),
                source,
                target,
                r,
                policy,
                probeErrors);
        upgrades.observedHealth(source.node(), h);
        return h;
    }

    @Override
    public TrafficSplit cutover(DatabaseRef source, DatabaseRef target, UpgradeScope scope, long budgetMillis) {
        UpgradePorts p = ports(source.node());
        return port(() -> {
            // one admin connection per node and one console login for the whole cutover, opened before clients
            // are held: while they wait, a login per step would be most of their delay
            try (Pinned<ReplicationGroup> replication = p.replication().pinned();
                    Pinned<TrafficRouter> router = p.router().pinned()) {
                return cutover(replication.port(), router.port(), source, target, scope, budgetMillis);
            }
        });
    }

    private TrafficSplit cutover(
            ReplicationGroup replication,
            TrafficRouter router,
            DatabaseRef source,
            DatabaseRef target,
            UpgradeScope scope,
            long budgetMillis) {
        TrafficSplit before = router.split();
        if (before.targetPercent() == 100 && !before.held()) {
            return before; // a repeated cutover: already done
        }
        replication.startReverse(source, target);
        router.attach(target);
        Duration budget = Duration.ofMillis(budgetMillis);
        // the target catches up while clients still run, so that the hold only waits for the last transactions;
        // bounded, since the hold after it has the whole budget and the activity's timeout covers both
        replication.awaitApplied(source, target, budget.dividedBy(3));
        CutoverClock clock = new CutoverClock();
        router.hold(budget);
        clock.mark("hold");
        boolean moved = false;
        TrafficSplit after = null;
        try {
            long missing = replication.awaitApplied(source, target, budget);
            clock.mark("await applied");
            if (missing > 0) {
                throw new UpgradeException(
                        "the target still missed " + missing + " bytes after " + budgetMillis + " ms; traffic left at "
                                + before.targetPercent() + "%",
                        true);
            }
            replication.syncSequences(source, target, scope);
            clock.mark("sequences");
            after = router.shift(100);
            clock.mark("switch");
            moved = true;
        } finally {
            if (!moved) {
                router.shift(before.targetPercent());
            }
            TrafficSplit released = router.release();
            clock.mark("release");
            upgrades.observedSplit(source.node(), released.targetPercent());
        }
        // PAUSE closed PgBouncer's server connections, so released clients reconnect through HAProxy to the
        // target; what is left on the source (clients that bypass PgBouncer) is ended without holding anyone
        router.closeStaleSessions();
        LOG.infof(
                "cutover of %s: clients held %d ms from %s (%s); stale sessions closed %d ms after release",
                source.node(), clock.heldMillis(), clock.heldFrom, clock.steps(), clock.sinceLastMillis());
        return after;
    }

    /** Where the time of a cutover's hold goes, for the log line an operator compares with the clients' delay. */
    private static final class CutoverClock {
        /** Wall-clock time, so that an operator can lay the hold next to the clients' own timeline. */
        private final Instant heldFrom = Instant.now();

        private final long start = System.nanoTime();
        private final StringBuilder steps = new StringBuilder();
        private long last = start;
        private long releasedAt;

        void mark(String step) {
            long now = System.nanoTime();
            if (!steps.isEmpty()) {
                steps.append(", ");
            }
            steps.append(step).append(' ').append((now - last) / 1_000_000).append(" ms");
            last = now;
            if (step.equals("release")) {
                releasedAt = now;
            }
        }

        long heldMillis() {
            return ((releasedAt == 0 ? last : releasedAt) - start) / 1_000_000;
        }

        String steps() {
            return steps.toString();
        }

        long sinceLastMillis() {
            return (System.nanoTime() - last) / 1_000_000;
        }
    }

    @Override
    public TrafficSplit rollbackTraffic(DatabaseRef source, DatabaseRef target, UpgradeScope scope, long budgetMillis) {
        UpgradePorts p = ports(source.node());
        return port(() -> {
            // as at cutover: connections kept for the hold, so clients do not wait for logins
            try (Pinned<ReplicationGroup> replication = p.replication().pinned();
                    Pinned<TrafficRouter> router = p.router().pinned()) {
                return rollbackTraffic(replication.port(), router.port(), source, target, scope, budgetMillis);
            }
        });
    }

    private TrafficSplit rollbackTraffic(
            ReplicationGroup replication,
            TrafficRouter router,
            DatabaseRef source,
            DatabaseRef target,
            UpgradeScope scope,
            long budgetMillis) {
        TrafficSplit now = router.split();
        if (now.targetPercent() == 0 && !now.held()) {
            router.closeStaleSessions();
            TrafficSplit detached = router.detach();
            upgrades.observedSplit(source.node(), detached.targetPercent());
            return detached;
        }
        Duration budget = Duration.ofMillis(budgetMillis);
        router.hold(budget);
        try {
            // what was written on the target reaches the source before clients do; a slow path back is waited
            // for only as long as the budget, then traffic moves anyway (the path back keeps applying)
            long missing = replication.awaitApplied(target, source, budget);
            if (missing > 0) {
                LOG.warnf(
                        "rollback of %s: the source still missed %d bytes after %d ms; moving traffic anyway",
                        source.node(), missing, budgetMillis);
            }
            replication.syncSequences(target, source, scope);
            router.shift(0);
            router.closeStaleSessions();
        } finally {
            router.release();
        }
        TrafficSplit detached = router.detach();
        upgrades.observedSplit(source.node(), detached.targetPercent());
        return detached;
    }

    @Override
    public void removeTarget(DatabaseRef source, String targetNode, boolean routerTouched) {
        UpgradePorts p = ports(source.node());
        port(() -> {
            if (routerTouched) {
                p.router().detach();
            }
            p.provisioner().find(targetNode).ifPresent(t -> p.replication().detach(source, t));
            p.provisioner().remove(targetNode);
            return null;
        });
        collector.removeRuntimeNode(targetNode);
    }

    @Override
    public void detachOld(DatabaseRef source, DatabaseRef target) {
        UpgradePorts p = ports(source.node());
        port(() -> {
            p.replication().detach(source, target);
            return null;
        });
    }

    @Override
    public void decommissionSource(DatabaseRef source) {
        UpgradePorts p = ports(source.node());
        port(() -> {
            p.provisioner().decommission(source);
            return null;
        });
    }

    @Override
    public void recordDecision(String upgradeId, String sourceNode, UpgradeDecision d) {
        ActivityInfo attempt = Activity.getExecutionContext().getInfo();
        // a retry of a recording that took effect must neither count an outcome nor write the event again; the event
        // goes first so that a failure to store it leaves nothing counted for the retry to repeat
        if (recorded.done(attempt)) {
            LOG.debugf("upgrade %s: decision %s already recorded", upgradeId, d.action());
            return;
        }
        ObjectNode details = SnapshotJson.MAPPER
                .createObjectNode()
                .put("upgrade", upgradeId)
                .put("action", d.action())
                .put("reason", d.reason())
                .put("target_percent", d.targetPercent());
        if (d.lagBytes() >= 0) {
            details.put("lag_bytes", d.lagBytes());
        }
        long version = bus.latest().map(PublishedSnapshot::version).orElse(0L);
        history.store()
                .record(Event.of(
                        Instant.ofEpochMilli(d.atMillis()),
                        version,
                        sourceNode,
                        EventType.UPGRADE,
                        d.from().name(),
                        d.to().name(),
                        details.toString()));
        upgrades.decided(sourceNode, d);
        board.update(
                Operation.UPGRADE,
                upgradeId,
                List.of(sourceNode),
                d.to().name().toLowerCase(Locale.ROOT),
                operationState(d.to()),
                d.from() == UpgradePhase.VALIDATING,
                Instant.ofEpochMilli(d.atMillis()),
                d.action() + ": " + d.reason());
        recorded.markDone(attempt);
    }

    /** A rolled-back upgrade finished as asked (by an operator or its health check): the step says how it ended. */
    private static OperationState operationState(UpgradePhase phase) {
        if (!phase.terminal()) {
            return OperationState.RUNNING;
        }
        return phase == UpgradePhase.FAILED ? OperationState.FAILED : OperationState.COMPLETED;
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    /** Has the collector scrape the target (again after a restart of the service: runtime nodes are not persisted). */
    private void scrape(UpgradePorts p, DatabaseRef target) {
        p.provisioner()
                .dsn(target.node())
                .ifPresent(dsn -> collector.putRuntimeNode(new ToolsConfig.NodeConfig(target.node(), dsn, "upgrade")));
    }

    private ToolsConfig.NodeConfig sourceConfig(String node) {
        return config.collector().nodes().stream()
                .filter(n -> n.name().equals(node))
                .findFirst()
                .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                        "source: names no configured node: '" + node + "'", "InvalidUpgrade"));
    }

    private UpgradePorts ports(String source) {
        return ports.forSource(source)
                .orElseThrow(
                        () -> ApplicationFailure.newNonRetryableFailure(ports.whyNot(source), "UpgradeNotConfigured"));
    }

    static int major(String serverVersion) {
        if (serverVersion == null) {
            return 0;
        }
        Matcher m = MAJOR.matcher(serverVersion.strip());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static <T> T port(Supplier<T> call) {
        return ActivityCalls.port("UpgradeStepFailed", call);
    }

    private static void sleep(long millis) {
        ActivityCalls.sleep(millis);
    }
}
