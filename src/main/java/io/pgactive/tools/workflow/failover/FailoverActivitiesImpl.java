package io.pgactive.tools.workflow.failover;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryService;
import io.pgactive.tools.workflow.ActivityCalls;
import io.pgactive.tools.workflow.gate.WriteGate;
import io.pgactive.tools.workflow.gate.WriteGateException;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The failover's activities: thin calls to {@link NodeControl} and {@link FailoverRouter}, with the snapshot for what
 * the service already watches. Port errors become failures retried only when the port says a retry can help.
 */
@ApplicationScoped
public class FailoverActivitiesImpl implements FailoverActivities {

    private static final Logger LOG = Logger.getLogger(FailoverActivitiesImpl.class);
    static final long POLL_MILLIS = 100;
    /** How long a reload of the configuration may take to reach the node's sessions. */
    static final long SYNC_RELOAD_MILLIS = 10_000;

    private final FailoverPorts ports;
    private final SnapshotBus bus;
    private final HistoryService history;
    private final jakarta.enterprise.event.Event<FailoverRecorded> recorded;

    @Inject
    public FailoverActivitiesImpl(
            FailoverPorts ports,
            SnapshotBus bus,
            HistoryService history,
            jakarta.enterprise.event.Event<FailoverRecorded> recorded) {
        this.ports = ports;
        this.bus = bus;
        this.history = history;
        this.recorded = recorded;
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
        Optional<WriteGate> gate = port(() -> ports.gate(primary));
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
        Optional<WriteGate> gate = port(() -> ports.gate(primary));
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
        return promotedNow
                ? standby + " promoted (pg_promote, wait => true)"
                : standby + " was already out of recovery";
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
        if (SynchronousStandbys.KEEP.equals(policy)) {
            String kept = port(() -> ports.control().synchronousStandbyNames(node));
            return "synchronous_standby_names on " + node + " kept as '" + kept + "' (" + SynchronousStandbys.PROPERTY
                    + "=keep)"
                    + (kept.isBlank() ? "" : "; commits on " + node + " wait until a standby named there confirms");
        }
        List<String> names = SynchronousStandbys.namesFor(policy, node);
        String before = port(() -> ports.control().setSynchronousStandbyNames(node, names, SYNC_RELOAD_MILLIS));
        String after = SynchronousStandbys.value(names);
        return "synchronous_standby_names on " + node + ": '" + before + "' -> '" + after + "'"
                + (names.isEmpty() ? " (asynchronous: no standby follows " + node + " yet)" : "");
    }

    @Override
    public String repoint(String oldPrimary, String newPrimary) {
        Dsn dsn = dsn(newPrimary);
        return port(() -> router().repoint(newPrimary, dsn.host(), dsn.port()));
    }

    @Override
    public String rebuildStandby(String node, String newPrimary) {
        return port(() -> ports.rebuilder().rebuild(node, newPrimary));
    }

    @Override
    public String awaitStreaming(String node, String newPrimary, long timeoutMillis) {
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
        LOG.infof("failover %s: %s %s", step.failoverId(), step.type(), step.message());
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
