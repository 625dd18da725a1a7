package io.pgactive.tools.workflow.guard;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.guard.Band;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.pgactive.tools.contract.guard.GuardPolicy;
import io.pgactive.tools.contract.guard.GuardStatus;
import io.pgactive.tools.contract.guard.GuardView;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.WorkflowExecutions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The service's side of the write guards: starts, stops, queries and overrides their workflows, and tells each
 * running guard about its node's lag. Readings go out when a node's {@link Band} changes and at least every
 * {@link #REFRESH_MILLIS}, from one thread of its own, so a slow or absent Temporal server never holds up the
 * snapshot bus. A reading that could not be delivered is sent again with the next snapshot.
 */
@ApplicationScoped
public class GuardService {

    private static final Logger LOG = Logger.getLogger(GuardService.class);
    static final long REFRESH_MILLIS = 60_000;

    /** An override refused by the guard's validator (the message says why): the caller gets 409. */
    public static final class RejectedException extends RuntimeException {
        public RejectedException(String message) {
            super(message);
        }
    }

    private record Sent(Band band, long atMillis) {}

    @Inject
    ToolsConfig config;

    @Inject
    TemporalWorker worker;

    @Inject
    SnapshotBus bus;

    /** The configured policy as workflows carry it; built once, read for every snapshot. */
    private GuardPolicy policy;

    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    /** Each gate's newest known decision (its gate state and mode after it), for the guard metrics. */
    private final Map<String, GuardDecision> lastDecision = new ConcurrentHashMap<>();
    /** Autostart gates whose guard has not been started yet: retried after every probe until it succeeds. */
    private final Set<String> toAutostart = ConcurrentHashMap.newKeySet();

    private ExecutorService signals;
    private Cancellable subscription;

    @PostConstruct
    void init() {
        policy = policy(config.guard().policy());
    }

    void onStart(@Observes StartupEvent event) {
        if (!worker.enabled() || config.guard().gates().isEmpty()) {
            return;
        }
        // one thread of its own; the bus bounds the backlog (a follower that falls behind resumes from the latest
        // snapshot), and the executor never drops a task, which would strand the follower's hand-off
        signals = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "guard-signals");
            t.setDaemon(true);
            return t;
        });
        config.guard().gates().stream()
                .filter(ToolsConfig.GateConfig::autostart)
                .forEach(g -> toAutostart.add(g.name()));
        worker.whileConnected(this::autostart);
        subscription = bus.follow("guard signals", signals, this::signalAll);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (subscription != null) {
            subscription.cancel();
        }
        if (signals != null) {
            signals.shutdownNow();
        }
    }

    private void autostart() {
        for (String gate : toAutostart) {
            try {
                GuardView v = start(gate);
                toAutostart.remove(gate);
                LOG.infof("guard %s on node %s started (autostart)", gate, v.node());
            } catch (RuntimeException e) {
                LOG.warnf("guard %s: autostart failed, retried after the next probe: %s", gate, e.getMessage());
            }
        }
    }

    public List<GuardView> list() {
        List<GuardView> views = new ArrayList<>();
        for (ToolsConfig.GateConfig g : config.guard().gates()) {
            views.add(view(g));
        }
        return views;
    }

    public GuardView get(String gate) {
        return view(gateConfig(gate));
    }

    /** Starts the gate's guard, or finds the one already running: idempotent. */
    public GuardView start(String gate) {
        ToolsConfig.GateConfig g = gateConfig(gate);
        WorkflowClient client = client();
        ReplicationGuard stub = client.newWorkflowStub(
                ReplicationGuard.class,
                WorkflowExecutions.startOnce(ReplicationGuard.workflowId(g.name()), worker.taskQueue()));
        call(() -> WorkflowClient.start(stub::guard, new GuardInput(g.name(), g.node(), policy, null)));
        sent.remove(g.name());
        bus.latest().ifPresent(p -> signal(g, p));
        return view(g);
    }

    /** Stops the gate's guard (which resumes writes it paused first); a guard that is not running is left alone. */
    public GuardView stop(String gate, String reason) {
        ToolsConfig.GateConfig g = gateConfig(gate);
        toAutostart.remove(g.name()); // an operator's stop outranks the configuration
        if (running(g)) {
            call(() -> {
                client().newWorkflowStub(ReplicationGuard.class, ReplicationGuard.workflowId(g.name()))
                        .stop(reason);
                return null;
            });
        }
        return view(g);
    }

    public GuardView override(String gate, GuardOverride override) {
        ToolsConfig.GateConfig g = gateConfig(gate);
        if (!running(g)) {
            throw new RejectedException("guard " + gate + " is not running (start it first)");
        }
        try {
            call(() -> client().newWorkflowStub(ReplicationGuard.class, ReplicationGuard.workflowId(g.name()))
                    .override(override));
        } catch (WorkflowUpdateException e) {
            throw new RejectedException(ReplicationGuardWorkflow.rootMessage(e));
        }
        return view(g);
    }

    /** Called for every decision a guard records through this service's worker. */
    void decided(String gate, GuardDecision decision) {
        lastDecision.merge(gate, decision, (old, now) -> now.atMillis() >= old.atMillis() ? now : old);
    }

    /**
     * The gate's newest decision this service knows of: recorded through its worker, or read from the guard's status;
     * empty until then (after a restart, until the guard is next asked or decides).
     */
    public Optional<GuardDecision> lastDecision(String gate) {
        return Optional.ofNullable(lastDecision.get(gate));
    }

    private GuardView view(ToolsConfig.GateConfig g) {
        String id = ReplicationGuard.workflowId(g.name());
        GuardView.NodeNow now = bus.latest()
                .map(p -> {
                    LagReading r = reading(g, p, policy);
                    return new GuardView.NodeNow(r.version(), r.lagSeconds(), r.band(), r.nodeStatus());
                })
                .orElse(null);
        if (!worker.enabled() || worker.state().connection() != TemporalWorker.Connection.CONNECTED) {
            return new GuardView(g.name(), g.node(), g.database(), g.pgbouncer().redacted(), now, id, null, null);
        }
        boolean running = running(g);
        GuardStatus status = running
                ? call(() ->
                        client().newWorkflowStub(ReplicationGuard.class, id).status())
                : null;
        if (status != null && !status.state().recent().isEmpty()) {
            decided(
                    g.name(),
                    status.state().recent().get(status.state().recent().size() - 1));
        }
        return new GuardView(g.name(), g.node(), g.database(), g.pgbouncer().redacted(), now, id, running, status);
    }

    private boolean running(ToolsConfig.GateConfig g) {
        WorkflowClient client = client();
        return call(() -> {
            try {
                var response = client.getWorkflowServiceStubs()
                        .blockingStub()
                        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                                .setNamespace(client.getOptions().getNamespace())
                                .setExecution(WorkflowExecution.newBuilder()
                                        .setWorkflowId(ReplicationGuard.workflowId(g.name())))
                                .build());
                return response.getWorkflowExecutionInfo().getStatus()
                        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return false;
                }
                throw e;
            }
        });
    }

    private void signalAll(PublishedSnapshot p) {
        for (ToolsConfig.GateConfig g : config.guard().gates()) {
            signal(g, p);
        }
    }

    private void signal(ToolsConfig.GateConfig g, PublishedSnapshot p) {
        if (worker.state().connection() != TemporalWorker.Connection.CONNECTED) {
            return;
        }
        LagReading reading = reading(g, p, policy);
        Sent last = sent.get(g.name());
        long now = p.snapshot().collectedAt().toEpochMilli();
        if (last != null && last.band() == reading.band() && now - last.atMillis() < REFRESH_MILLIS) {
            return;
        }
        try {
            client().newWorkflowStub(ReplicationGuard.class, ReplicationGuard.workflowId(g.name()))
                    .lag(reading);
            sent.put(g.name(), new Sent(reading.band(), now));
        } catch (WorkflowNotFoundException e) {
            sent.put(g.name(), new Sent(reading.band(), now)); // no guard running: nothing to tell until one starts
        } catch (RuntimeException e) {
            LOG.debugf(
                    "guard %s: lag reading not delivered, sent again with the next snapshot: %s",
                    g.name(), e.getMessage());
        }
    }

    /** The configured thresholds as the workflow carries them (the policy record is wire data and knows no config). */
    static GuardPolicy policy(ToolsConfig.GuardPolicy p) {
        return new GuardPolicy(
                p.pauseAboveSeconds(),
                p.resumeBelowSeconds(),
                p.hold().toMillis(),
                p.maxPause().toMillis(),
                GuardPolicy.RECONCILE_MILLIS,
                GuardPolicy.HISTORY_LIMIT);
    }

    static LagReading reading(ToolsConfig.GateConfig g, PublishedSnapshot p, GuardPolicy policy) {
        NodeState n = p.snapshot().nodes().get(g.node());
        long at = p.snapshot().collectedAt().toEpochMilli();
        if (n == null) {
            return new LagReading(p.version(), at, null, Band.UNKNOWN, "ABSENT");
        }
        Double lag = n.metrics().lagSeconds();
        // a node whose last scrape failed has no current lag, whatever its last figure was
        boolean readable =
                n.consecutiveFailures() == 0 && n.status() != NodeStatus.UNKNOWN && n.status() != NodeStatus.DOWN;
        Band band = readable ? policy.band(lag) : Band.UNKNOWN;
        return new LagReading(
                p.version(), at, readable ? lag : null, band, n.status().name());
    }

    private ToolsConfig.GateConfig gateConfig(String gate) {
        return config.guard()
                .gate(gate)
                .orElseThrow(() -> new NotFoundException("no gate named '" + gate + "' (configured: "
                        + config.guard().gates().stream()
                                .map(ToolsConfig.GateConfig::name)
                                .toList() + ")"));
    }

    private WorkflowClient client() {
        return worker.connectedClient();
    }

    private <T> T call(Supplier<T> action) {
        return worker.call(action);
    }
}
