package io.pgactive.tools.workflow.failover;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.failover.ResyncPhase;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Operation.OperationState;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryService;
import io.pgactive.tools.workflow.ActivityCalls;
import io.pgactive.tools.workflow.OperationBoard;
import io.pgactive.tools.workflow.gate.PgBouncerWriteGate;
import io.pgactive.tools.workflow.gate.WriteGate;
import io.pgactive.tools.workflow.gate.WriteGateException;
import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.quarkiverse.temporal.TemporalActivity;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The failover's activities: thin calls to {@link NodeControl} and {@link FailoverRouter}, with the snapshot for what
 * the service already watches. Port errors become failures retried only when the port says a retry can help. A planned
 * switchover's held part runs in {@link HeldSwitchover} over ports pinned before the hold.
 */
@ApplicationScoped
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalActivity(workers = {})
public class FailoverActivitiesImpl implements FailoverActivities {

    private static final Logger LOG = Logger.getLogger(FailoverActivitiesImpl.class);
    static final long POLL_MILLIS = 100;
    /** Each probe of a node that is away opens a connection: once a second is plenty for a node being restarted. */
    static final long ANSWER_POLL_MILLIS = 1_000;
    /** How long a reload of the configuration may take to reach the node's sessions. */
    static final long SYNC_RELOAD_MILLIS = 10_000;

    private final FailoverPorts ports;
    private final SnapshotBus bus;
    private final HistoryService history;
    private final jakarta.enterprise.event.Event<FailoverRecorded> recorded;
    private final OperationBoard board;

    @Inject
    public FailoverActivitiesImpl(
            FailoverPorts ports,
            SnapshotBus bus,
            HistoryService history,
            jakarta.enterprise.event.Event<FailoverRecorded> recorded,
            OperationBoard board) {
        this.ports = ports;
        this.bus = bus;
        this.history = history;
        this.recorded = recorded;
        this.board = board;
    }

    @Override
    public ReplicationView observe(String primary) {
        return FailoverRules.view(
                bus.latest().map(PublishedSnapshot::snapshot).orElse(null), primary, System.currentTimeMillis());
    }

    @Override
    public boolean probe(String node) {
        return ports.control().answers(node);
    }

    @Override
    public String fence(String primary) {
        Dsn dsn = dsn(primary);
        FailoverRouter router = router();
        String routed = port(() -> router.fence(primary, dsn.host(), dsn.port()));
        boolean readOnly = port(() -> ports.control().makeReadOnly(primary));
        return routed + "; "
                + (readOnly
                        ? primary + " set read-only, its client sessions ended"
                        : primary + " unreachable, not touched");
    }

    @Override
    public String unfence(String primary) {
        Dsn dsn = dsn(primary);
        port(() -> {
            ports.control().makeWritable(primary);
            return null;
        });
        return port(() -> router().unfence(primary, dsn.host(), dsn.port()));
    }

    @Override
    public String hold(String primary) {
        Optional<PgBouncerWriteGate> gate = port(() -> ports.gate(primary));
        if (gate.isEmpty()) {
            return "no write gate (pgactive.failover.pgbouncer-admin): new connections are refused while " + primary
                    + " is fenced";
        }
        GateState state = gate(() -> gate.get().pause());
        if (state != GateState.PAUSED) {
            throw ApplicationFailure.newFailure(
                    gate.get().describe() + " is " + state + " after PAUSE: transactions still run", "NotHeld");
        }
        return "clients held at " + gate.get().describe();
    }

    @Override
    public String release(String primary) {
        Optional<PgBouncerWriteGate> gate = port(() -> ports.gate(primary));
        if (gate.isEmpty()) {
            return "no write gate to release";
        }
        GateState state = gate(() -> gate.get().resume());
        return "clients released at " + gate.get().describe() + " (" + state + ")";
    }

    @Override
    public String awaitCaughtUp(String primary, String standby, long timeoutMillis) {
        // the primary is read-only now: its position no longer moves
        long target = FailoverRules.lsn(port(() -> ports.control().currentLsn(primary)));
        long deadline = System.currentTimeMillis() + timeoutMillis;
        String replayed = null;
        while (System.currentTimeMillis() < deadline) {
            replayed = port(() -> ports.control().replayLsn(standby));
            if (FailoverRules.lsn(replayed) >= target) {
                return replayed;
            }
            Activity.getExecutionContext().heartbeat(replayed);
            sleep(POLL_MILLIS);
        }
        throw ApplicationFailure.newNonRetryableFailure(
                standby + " replayed up to " + replayed + " within " + timeoutMillis + " ms, short of " + primary
                        + "'s final position",
                "CatchUpTimeout");
    }

    @Override
    public String promote(String standby, long timeoutMillis) {
        boolean promotedNow = port(() -> ports.control().promote(standby, timeoutMillis));
        return promotedNow ? standby + " promoted (pg_promote)" : standby + " was already out of recovery";
    }

    @Override
    public void awaitWritable(String node, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!port(() -> ports.control().writable(node))) {
            if (System.currentTimeMillis() >= deadline) {
                throw ApplicationFailure.newNonRetryableFailure(
                        node + " does not accept writes " + timeoutMillis + " ms after its promotion", "NotWritable");
            }
            sleep(POLL_MILLIS);
        }
    }

    @Override
    public String configureSynchronousStandbys(String node, String policy) {
        return port(() -> configureSynchronousStandbys(ports.control(), node, policy, SYNC_RELOAD_MILLIS));
    }

    /**
     * Sets the promoted {@code node}'s {@code synchronous_standby_names} as {@code policy} says, verified; returns the
     * old and new value.
     *
     * @throws UpgradeException the node refused or did not take the value
     */
    static String configureSynchronousStandbys(NodeControl control, String node, String policy, long reloadMillis) {
        if (SynchronousStandbys.KEEP.equals(policy)) {
            String kept = control.synchronousStandbyNames(node);
            return "synchronous_standby_names on " + node + " kept as '" + kept + "' (" + SynchronousStandbys.PROPERTY
                    + "=keep)"
                    + (kept.isBlank() ? "" : "; commits on " + node + " wait until a standby named there confirms");
        }
        List<String> names = SynchronousStandbys.namesFor(policy, node);
        String before = control.setSynchronousStandbyNames(node, names, reloadMillis);
        String after = SynchronousStandbys.value(names);
        return "synchronous_standby_names on " + node + ": '" + before + "' -> '" + after + "'"
                + (names.isEmpty() ? " (asynchronous: no standby follows " + node + " yet)" : "");
    }

    @Override
    public String includeSynchronousStandby(String primary, String node, String policy) {
        String current = port(() -> ports.control().synchronousStandbyNames(primary));
        List<String> named = SynchronousStandbys.namesIn(current);
        boolean wanted = SynchronousStandbys.KEEP.equals(policy)
                ? named.contains(node)
                : SynchronousStandbys.namesFor(policy, primary).contains(node);
        if (!wanted) {
            return null;
        }
        if (named.contains(node) || named.contains("*")) {
            return "synchronous_standby_names on " + primary + " is '" + current + "': it names " + node
                    + ", which streams now and can confirm commits";
        }
        if (!SynchronousStandbys.plainList(current)) {
            throw ApplicationFailure.newNonRetryableFailure(
                    "synchronous_standby_names on " + primary + " is '" + current + "' (FIRST/ANY): not changed;"
                            + " add " + node + " with 'pgactive-tools replication sync-standbys " + primary
                            + " --names ...'",
                    "NotAPlainList");
        }
        List<String> names = new ArrayList<>(named);
        names.add(node);
        String before = port(() -> ports.control().setSynchronousStandbyNames(primary, names, SYNC_RELOAD_MILLIS));
        return "synchronous_standby_names on " + primary + ": '" + before + "' -> '" + SynchronousStandbys.value(names)
                + "' (" + node + " streams from it again; " + SynchronousStandbys.PROPERTY + " names it)";
    }

    @Override
    public String repoint(String oldPrimary, String newPrimary) {
        Dsn dsn = dsn(newPrimary);
        return port(() -> router().repoint(newPrimary, dsn.host(), dsn.port()));
    }

    @Override
    public SwitchoverReport switchover(String primary, String standby, FailoverPolicy policy) {
        Dsn primaryAt;
        Dsn standbyAt;
        FailoverRouter router;
        Optional<PgBouncerWriteGate> gate;
        Pinned<NodeControl> control;
        try {
            primaryAt = dsn(primary);
            standbyAt = dsn(standby);
            router = router();
            gate = port(() -> ports.gate(primary));
            // the logins happen now, before any client waits
            control = port(() -> ports.control().pinned(List.of(primary, standby)));
        } catch (ApplicationFailure e) {
            return new SwitchoverReport(
                    List.of(),
                    "switching over to " + standby + " failed before anything was held: " + e.getOriginalMessage()
                            + "; nothing changed",
                    false,
                    null);
        }
        try (control;
                PgBouncerWriteGate.Session console =
                        gate.map(PgBouncerWriteGate::open).orElse(null)) {
            Optional<WriteGate> held = Optional.empty();
            if (console != null) {
                try {
                    console.state();
                } catch (WriteGateException e) {
                    return new SwitchoverReport(
                            List.of(),
                            "holding the clients of " + primary + " failed: " + e.getMessage() + "; nothing changed",
                            false,
                            null);
                }
                held = Optional.of(new SessionGate(gate.get(), console));
            }
            return new HeldSwitchover(
                            control.port(),
                            router,
                            held,
                            primaryAt,
                            standbyAt,
                            step -> Activity.getExecutionContext().heartbeat(step),
                            System::currentTimeMillis,
                            SYNC_RELOAD_MILLIS)
                    .run(primary, standby, policy);
        }
    }

    /** A gate whose calls go over one console session opened before the clients are held. */
    private record SessionGate(PgBouncerWriteGate gate, PgBouncerWriteGate.Session session) implements WriteGate {

        @Override
        public String name() {
            return gate.name();
        }

        @Override
        public String describe() {
            return gate.describe();
        }

        @Override
        public GateState state() {
            return session.state();
        }

        @Override
        public GateState pause() {
            return session.pause();
        }

        @Override
        public GateState resume() {
            return session.resume();
        }
    }

    @Override
    public String awaitAnswers(String node, long timeoutMillis) {
        resyncPhase(node, null, ResyncPhase.AWAITING_NODE, "waiting until " + node + " answers again");
        long start = System.currentTimeMillis();
        long deadline = start + timeoutMillis;
        while (!port(() -> ports.control().answers(node))) {
            if (System.currentTimeMillis() >= deadline) {
                throw ApplicationFailure.newNonRetryableFailure(
                        node + " did not answer within " + timeoutMillis + " ms", "NodeAway");
            }
            Activity.getExecutionContext().heartbeat(null);
            sleep(ANSWER_POLL_MILLIS);
        }
        return node + " answered after " + (System.currentTimeMillis() - start) + " ms";
    }

    @Override
    public String rebuildStandby(String node, String newPrimary) {
        resyncPhase(node, newPrimary, ResyncPhase.REBUILDING, "rebuilding " + node + " as a standby of " + newPrimary);
        return port(() -> ports.rebuilder().rebuild(node, newPrimary));
    }

    @Override
    public String awaitStreaming(String node, String newPrimary, long timeoutMillis) {
        resyncPhase(
                node,
                newPrimary,
                ResyncPhase.AWAITING_STREAMING,
                "waiting until " + node + " streams from " + newPrimary);
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            ReplicationView view = observe(newPrimary);
            for (StandbyView s : view.standbys()) {
                if (s.node().equals(node) && s.readable() && s.inRecovery() && s.wasStreaming()) {
                    return node + " streams from " + newPrimary + " (snapshot " + view.version() + ", "
                            + (s.syncState() == null ? "async" : s.syncState()) + ")";
                }
            }
            Activity.getExecutionContext().heartbeat(view.version());
            sleep(POLL_MILLIS);
        }
        throw ApplicationFailure.newNonRetryableFailure(
                node + " was not seen streaming from " + newPrimary + " within " + timeoutMillis + " ms",
                "NotStreaming");
    }

    @Override
    public void record(FailoverStep step) {
        ObjectNode details = SnapshotJson.MAPPER
                .createObjectNode()
                .put("failover", step.failoverId())
                .put("message", step.message());
        if (step.lagBytes() >= 0) {
            details.put("lag_bytes", step.lagBytes());
        }
        long version = bus.latest().map(PublishedSnapshot::version).orElse(0L);
        history.store()
                .record(Event.of(
                        Instant.ofEpochMilli(step.atMillis()),
                        version,
                        step.primary(),
                        step.eventType(),
                        step.primary(),
                        step.standby(),
                        details.toString()));
        recorded.fire(new FailoverRecorded(step));
        board(step);
        LOG.infof("failover %s: %s %s", step.failoverId(), step.type(), step.message());
    }

    /** The step as the snapshot's operations show it: a resync's or a failover's latest state. */
    private void board(FailoverStep step) {
        boolean resync = step.failoverId().startsWith(Resync.workflowId(""));
        String type = step.type();
        // steps after the one that completes the operation: they add to the finished run instead of starting one
        boolean followUp =
                resync ? FailoverStep.SYNC_CONFIGURED.equals(type) : FailoverStep.RESYNC_STARTED.equals(type);
        OperationState state;
        if (FailoverStep.FAILED.equals(type)) {
            state = OperationState.FAILED;
        } else if (followUp
                || (resync ? FailoverStep.RESYNCED.equals(type) : FailoverStep.TRAFFIC_REPOINTED.equals(type))) {
            state = OperationState.COMPLETED;
        } else {
            state = OperationState.RUNNING;
        }
        board.update(
                resync ? Operation.RESYNC : Operation.FAILOVER,
                step.failoverId(),
                nodes(step.primary(), step.standby()),
                type,
                state,
                !followUp,
                Instant.ofEpochMilli(step.atMillis()),
                step.message());
    }

    /** Phases a resync passes without recording a step, shown from here since these activities run in the service. */
    private void resyncPhase(String node, String newPrimary, ResyncPhase phase, String message) {
        board.update(
                Operation.RESYNC,
                Activity.getExecutionContext().getInfo().getWorkflowId(),
                nodes(node, newPrimary),
                phase.name().toLowerCase(Locale.ROOT),
                OperationState.RUNNING,
                phase == ResyncPhase.AWAITING_NODE || phase == ResyncPhase.REBUILDING,
                Instant.now(),
                message);
    }

    private static List<String> nodes(String first, String second) {
        return second == null ? List.of(first) : List.of(first, second);
    }

    private static GateState gate(Supplier<GateState> call) {
        try {
            return call.get();
        } catch (WriteGateException e) {
            throw ApplicationFailure.newFailure(e.getMessage(), "WriteGateFailed");
        }
    }

    private Dsn dsn(String node) {
        return ports.dsn(node)
                .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                        "no configured node is named '" + node + "'", "UnknownNode"));
    }

    private FailoverRouter router() {
        return ports.router()
                .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                        "no router to fence and re-point: set pgactive.failover.haproxy-admin-socket", "NoRouter"));
    }

    private static <T> T port(Supplier<T> call) {
        return ActivityCalls.port("FailoverStepFailed", call);
    }

    private static void sleep(long millis) {
        ActivityCalls.sleep(millis);
    }
}
