package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.contract.failover.FailoverPhase;
import io.pgactive.tools.contract.failover.FailoverProgress;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.failover.FailoverView;
import io.pgactive.tools.contract.failover.ResyncProgress;
import io.pgactive.tools.contract.failover.ResyncView;
import io.pgactive.tools.workflow.TemporalUnavailableException;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.WorkflowExecutions;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The service's side of failovers: starts them (one per primary: a request while one runs joins it, one that
 * completed is returned as it ended) and reads them. Temporal away is {@link TemporalUnavailableException}.
 */
@ApplicationScoped
public class FailoverService {

    private static final Duration RESULT_WAIT = Duration.ofSeconds(5);

    private final ToolsConfig config;
    private final FailoverSettings settings;
    private final TemporalWorker worker;

    @Inject
    public FailoverService(ToolsConfig config, FailoverSettings settings, TemporalWorker worker) {
        this.config = config;
        this.settings = settings;
        this.worker = worker;
    }

    /** {@code pgactive.failover.token}, else {@code guard.token}. */
    public Optional<String> token() {
        return settings.token().or(() -> config.guard().token());
    }

    /** What {@link #begin} did: started a failover, or found one that answers the request. */
    public enum Begun {
        STARTED,
        RUNNING,
        /** Completed within {@code rerun-after}: it is the answer, nothing new runs. */
        COMPLETED_RECENTLY
    }

    public record Begin(FailoverView view, Begun how) {}

    public FailoverView start(FailoverRequest request) {
        return begin(request).view();
    }

    /** As {@link #start}, saying whether it started one: callers that must tell need no second look at Temporal. */
    public Begin begin(FailoverRequest request) {
        List<String> problems = FailoverRequest.validate(request);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        requireConfigured(request.primary());
        if (request.toStandby() != null) {
            requireConfigured(request.toStandby());
        }
        String id = Failover.workflowId(request.primary());
        WorkflowClient client = client();
        FailoverView existing = view(client, id, request.primary());
        if (existing != null && Boolean.TRUE.equals(existing.running())) {
            return new Begin(existing, Begun.RUNNING);
        }
        if (existing != null && completedRecently(client, id, existing)) {
            return new Begin(existing, Begun.COMPLETED_RECENTLY);
        }
        Failover stub = client.newWorkflowStub(Failover.class, WorkflowExecutions.startOnce(id, worker.taskQueue()));
        FailoverPolicy policy = settings.policy()
                .withSynchronousStandbysAfter(
                        SynchronousStandbys.policy(settings.synchronousStandbysAfter(), this::configured));
        ResyncInput resync = request.resyncOldPrimary()
                ? resyncInput(
                        request.primary(),
                        null,
                        "after " + id,
                        settings.resync().awaitOldPrimary())
                : null;
        call(() -> WorkflowClient.start(stub::run, new FailoverInput(id, request, policy, resync)));
        return new Begin(view(client, id, request.primary()), Begun.STARTED);
    }

    /**
     * A completed failover answers a new request for its primary only for {@code rerun-after}: a node that failed over
     * long ago may be a primary again (resynced, then promoted), and a request for it must not be answered with an old
     * outcome.
     */
    private boolean completedRecently(WorkflowClient client, String id, FailoverView existing) {
        if (existing.progress() == null || existing.progress().phase() != FailoverPhase.COMPLETED) {
            return false;
        }
        WorkflowExecutions.Execution run = call(() -> WorkflowExecutions.describe(client, id));
        return run == null
                || run.closedAt() == null
                || run.closedAt().plus(settings.rerunAfter()).isAfter(Instant.now());
    }

    /**
     * Rebuilds {@code node} as a standby of {@code newPrimary}; without it, of the standby the completed failover of
     * {@code node} promoted. A running resync of the node is returned; an ended one is run again (a node already
     * streaming is left alone).
     */
    public ResyncView startResync(String node, String newPrimary, String reason) {
        List<String> problems = new ArrayList<>();
        if (node == null || !node.matches(FailoverRequest.NODE_NAME)) {
            problems.add("node: a node name of 1 to 63 letters, digits, '_', '.' or '-' is required");
        }
        if (newPrimary != null && !newPrimary.matches(FailoverRequest.NODE_NAME)) {
            problems.add("from: not a node name: '" + newPrimary + "'");
        }
        if (reason != null && reason.length() > 500) {
            problems.add("reason: at most 500 characters");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        requireConfigured(node);
        WorkflowClient client = client();
        String from = newPrimary;
        if (from == null) {
            FailoverView failover = view(client, Failover.workflowId(node), node);
            if (failover == null
                    || failover.progress() == null
                    || failover.progress().phase() != FailoverPhase.COMPLETED) {
                throw new IllegalArgumentException(
                        "from: no completed failover of " + node + " names its new primary; give 'from'");
            }
            from = failover.progress().decision().standby();
        }
        requireConfigured(from);
        if (from.equals(node)) {
            throw new IllegalArgumentException("from: the new primary must differ from the node to resync");
        }
        String id = Resync.workflowId(node);
        ResyncView existing = resyncView(client, id, node);
        if (existing != null && Boolean.TRUE.equals(existing.running())) {
            return existing;
        }
        Resync stub = client.newWorkflowStub(Resync.class, WorkflowExecutions.startOnce(id, worker.taskQueue()));
        ResyncInput input = resyncInput(node, from, reason, Duration.ZERO);
        call(() -> WorkflowClient.start(stub::run, input));
        return resyncView(client, id, node);
    }

    private ResyncInput resyncInput(String node, String from, String reason, Duration awaitNode) {
        return new ResyncInput(
                Resync.workflowId(node),
                node,
                from,
                reason,
                settings.resync().timeout().toMillis(),
                settings.resync().streamingTimeout().toMillis(),
                awaitNode.toMillis(),
                SynchronousStandbys.policy(settings.synchronousStandbysAfter(), this::configured));
    }

    /** By workflow id ({@code resync-node1}) or by node name. */
    public ResyncView getResync(String id) {
        String prefix = Resync.workflowId("");
        String node = id.startsWith(prefix) ? id.substring(prefix.length()) : id;
        ResyncView v = resyncView(client(), Resync.workflowId(node), node);
        if (v == null) {
            throw new NotFoundException("no resync '" + id + "'");
        }
        return v;
    }

    private ResyncView resyncView(WorkflowClient client, String id, String node) {
        return view(
                client,
                id,
                ResyncProgress.class,
                () -> client.newWorkflowStub(Resync.class, id).progress(),
                (status, running, progress) -> new ResyncView(id, node, status, running, progress));
    }

    private boolean configured(String node) {
        return config.collector().nodes().stream().anyMatch(n -> n.name().equals(node));
    }

    private void requireConfigured(String node) {
        if (!configured(node)) {
            throw new IllegalArgumentException("names no configured node: '" + node + "'");
        }
    }

    /** By workflow id ({@code failover-node1}) or by primary node name. */
    public FailoverView get(String id) {
        String prefix = Failover.workflowId("");
        String primary = id.startsWith(prefix) ? id.substring(prefix.length()) : id;
        FailoverView v = view(client(), Failover.workflowId(primary), primary);
        if (v == null) {
            throw new NotFoundException("no failover '" + id + "'");
        }
        return v;
    }

    private FailoverView view(WorkflowClient client, String id, String primary) {
        return view(
                client,
                id,
                FailoverProgress.class,
                () -> client.newWorkflowStub(Failover.class, id).progress(),
                (status, running, progress) -> new FailoverView(id, primary, status, running, progress));
    }

    /** What a failover's or a resync's view is made of, read the same way for both. */
    private interface ViewOf<P, V> {
        V of(String status, boolean running, P progress);
    }

    /** Null when Temporal knows no workflow {@code id}. */
    private <P, V> V view(WorkflowClient client, String id, Class<P> type, Supplier<P> query, ViewOf<P, V> viewOf) {
        WorkflowExecutionStatus status = call(() -> WorkflowExecutions.status(client, id));
        if (status == null) {
            return null;
        }
        P progress = call(() -> WorkflowExecutions.progress(client, id, status, query, type, RESULT_WAIT));
        return viewOf.of(
                WorkflowExecutions.name(status),
                status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
                progress);
    }

    private WorkflowClient client() {
        return worker.connectedClient();
    }

    private <T> T call(Supplier<T> action) {
        return worker.call(action);
    }
}
