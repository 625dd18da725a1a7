package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.UpgradeConfig;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeView;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.WorkflowExecutions;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowUpdateException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The service's side of rolling upgrades: starts them (idempotently, one per source node), reads their progress, and
 * passes on the operator's rollback, resume and approve. It also keeps what the upgrade activities of this worker last
 * observed for each source (decision, split, health, lag), which the metrics read.
 */
@ApplicationScoped
public class UpgradeService {

    /** A request the upgrade (or its state) refuses, with why: the caller gets 409. */
    public static final class RejectedException extends RuntimeException {
        public RejectedException(String message) {
            super(message);
        }
    }

    /**
     * What this worker last saw of one upgrade. {@code progressAtMillis} moves on every decision and whenever the
     * replication lag shrinks: an upgrade whose figure stands still is stuck.
     */
    public record Observed(
            UpgradeDecision lastDecision,
            int targetPercent,
            HealthReport lastHealth,
            long lagBytes,
            long progressAtMillis) {}

    private static final Duration RESULT_WAIT = Duration.ofSeconds(5);
    /**
     * The last view of one upgrade and the run it was read from. A progress query is a round trip through the worker's
     * task polling (60-100 ms on a busy machine), a describe is not; the view is served again while the describe shows
     * the same run, status and history length, that is while the workflow has not completed a task since (its state
     * changes only in one), so an answer is never older than the workflow's last transition.
     */
    private record CachedView(WorkflowExecutions.Execution execution, UpgradeView view) {}

    private final ToolsConfig config;
    private final TemporalWorker worker;
    private final UpgradePorts.Factory ports;
    private final UpgradePolicy policy;
    private final Event<UpgradeDecided> decidedEvents;
    private final Map<String, Observed> observed = new ConcurrentHashMap<>();
    private final Map<String, CachedView> cachedViews = new ConcurrentHashMap<>();

    @Inject
    public UpgradeService(
            ToolsConfig config,
            TemporalWorker worker,
            UpgradePorts.Factory ports,
            Event<UpgradeDecided> decidedEvents) {
        this.config = config;
        this.worker = worker;
        this.ports = ports;
        this.decidedEvents = decidedEvents;
        this.policy = policy(config.upgrade().limits());
    }

    static UpgradePolicy policy(UpgradeConfig.Limits l) {
        UpgradePolicy d = UpgradePolicy.DEFAULT;
        return new UpgradePolicy(
                l.lagThresholdBytes(),
                l.escalateAfter().toMillis(),
                l.syncHold().toMillis(),
                l.syncTimeout().toMillis(),
                d.syncChunkMillis(),
                d.pollMillis(),
                l.soak().toMillis(),
                l.cutoverBudget().toMillis(),
                l.decommissionDelay().toMillis(),
                d.historyLimit());
    }

    /** The token the mutating endpoints want: {@code upgrade.token}, else {@code guard.token}. */
    public Optional<String> token() {
        return config.upgrade().token().or(() -> config.guard().token());
    }

    /**
     * Starts the upgrade of {@code request.source()}, or attaches to the one running for it (the same request again
     * is idempotent). A completed upgrade is returned as it ended; one that was rolled back or failed is started anew.
     */
    public UpgradeView start(UpgradeRequest request) {
        List<String> problems = UpgradeRules.validate(request);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        if (config.collector().nodes().stream().noneMatch(n -> n.name().equals(request.source()))) {
            throw new IllegalArgumentException("source: names no configured node: '" + request.source() + "'");
        }
        if (ports.forSource(request.source()).isEmpty()) {
            throw new RejectedException("cannot upgrade " + request.source() + ": " + ports.whyNot(request.source()));
        }
        String id = RollingUpgrade.workflowId(request.source());
        WorkflowClient client = client();
        UpgradeView existing = view(client, id, request.source());
        if (existing != null) {
            UpgradeProgress p = existing.progress();
            if (Boolean.TRUE.equals(existing.running())) {
                if (p != null && p.request().targetVersion() != request.targetVersion()) {
                    throw new RejectedException("an upgrade of " + request.source() + " to PostgreSQL "
                            + p.request().targetVersion() + " is running (" + id + ")");
                }
                return existing;
            }
            if (p != null
                    && p.phase() == UpgradePhase.COMPLETED
                    && p.request().targetVersion() == request.targetVersion()) {
                return existing;
            }
        }
        RollingUpgrade stub =
                client.newWorkflowStub(RollingUpgrade.class, WorkflowExecutions.startOnce(id, worker.taskQueue()));
        call(() -> WorkflowClient.start(stub::run, new UpgradeInput(id, request, policy, null)));
        return view(client, id, request.source());
    }

    /** Every configured node's upgrade that Temporal knows of (running or finished). */
    public List<UpgradeView> list() {
        WorkflowClient client = client();
        List<UpgradeView> views = new ArrayList<>();
        for (ToolsConfig.NodeConfig n : config.collector().nodes()) {
            UpgradeView v = view(client, RollingUpgrade.workflowId(n.name()), n.name());
            if (v != null) {
                views.add(v);
            }
        }
        return views;
    }

    /** By workflow id ({@code rolling-upgrade-node1}) or by source node name. */
    public UpgradeView get(String id) {
        String source = source(id);
        UpgradeView v = view(client(), RollingUpgrade.workflowId(source), source);
        if (v == null) {
            throw new NotFoundException("no upgrade '" + id + "'");
        }
        return v;
    }

    public UpgradeView rollback(String id, String reason) {
        return update(id, (stub) -> stub.rollback(reason));
    }

    public UpgradeView resume(String id, String reason) {
        return update(id, (stub) -> stub.resume(reason));
    }

    public UpgradeView approve(String id, String reason) {
        return update(id, (stub) -> stub.approve(reason));
    }

    private UpgradeView update(String id, Consumer<RollingUpgrade> action) {
        UpgradeView v = get(id);
        if (!Boolean.TRUE.equals(v.running())) {
            throw new RejectedException("the upgrade " + v.id() + " is not running (" + v.status() + ")");
        }
        try {
            call(() -> {
                action.accept(client().newWorkflowStub(RollingUpgrade.class, v.id()));
                return null;
            });
        } catch (WorkflowUpdateException e) {
            throw new RejectedException(RollingUpgradeWorkflow.rootMessage(e));
        }
        return get(id);
    }

    private static String source(String id) {
        String prefix = RollingUpgrade.workflowId("");
        return id.startsWith(prefix) ? id.substring(prefix.length()) : id;
    }

    /** The upgrade with this id as Temporal knows it; null when there is none. */
    private UpgradeView view(WorkflowClient client, String id, String source) {
        WorkflowExecutions.Execution execution = call(() -> WorkflowExecutions.describe(client, id));
        if (execution == null) {
            cachedViews.remove(source);
            return null;
        }
        CachedView cached = cachedViews.get(source);
        if (cached != null
                && cached.execution().equals(execution)
                && cached.view().id().equals(id)) {
            return cached.view();
        }
        WorkflowExecutionStatus status = execution.status();
        boolean running = status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
        UpgradeProgress progress = call(() -> WorkflowExecutions.progress(
                client,
                id,
                status,
                () -> client.newWorkflowStub(RollingUpgrade.class, id).progress(),
                UpgradeProgress.class,
                RESULT_WAIT));
        UpgradeView view = new UpgradeView(id, source, WorkflowExecutions.name(status), running, progress);
        // a finished run whose result did not arrive in time is asked again
        if (progress != null || running) {
            cachedViews.put(source, new CachedView(execution, view));
        }
        return view;
    }

    // --- what this worker's activities observed (for the metrics)
    // -----------------------------------------------------

    void decided(String source, UpgradeDecision d) {
        observed.compute(
                source,
                (k, o) -> o == null
                        ? new Observed(d, d.targetPercent(), null, d.lagBytes(), System.currentTimeMillis())
                        : new Observed(
                                d.atMillis() >= lastAt(o) ? d : o.lastDecision(),
                                d.targetPercent(),
                                o.lastHealth(),
                                o.lagBytes(),
                                System.currentTimeMillis()));
        decidedEvents.fire(new UpgradeDecided(source, d));
    }

    void observed(String source, long lagBytes) {
        observed.computeIfPresent(
                source,
                (k, o) -> new Observed(
                        o.lastDecision(),
                        o.targetPercent(),
                        o.lastHealth(),
                        lagBytes,
                        lagBytes >= 0 && (o.lagBytes() < 0 || lagBytes < o.lagBytes())
                                ? System.currentTimeMillis()
                                : o.progressAtMillis()));
    }

    void observedSplit(String source, int targetPercent) {
        observed.computeIfPresent(
                source,
                (k, o) -> new Observed(
                        o.lastDecision(), targetPercent, o.lastHealth(), o.lagBytes(), System.currentTimeMillis()));
    }

    void observedHealth(String source, HealthReport h) {
        observed.computeIfPresent(
                source,
                (k, o) -> new Observed(o.lastDecision(), o.targetPercent(), h, o.lagBytes(), o.progressAtMillis()));
    }

    /** What this worker last saw, per source node. */
    public Map<String, Observed> observed() {
        return Map.copyOf(observed);
    }

    private static long lastAt(Observed o) {
        return o.lastDecision() == null ? 0 : o.lastDecision().atMillis();
    }

    private WorkflowClient client() {
        return worker.connectedClient();
    }

    private <T> T call(Supplier<T> action) {
        return worker.call(action);
    }
}
