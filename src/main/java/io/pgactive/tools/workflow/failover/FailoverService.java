package io.pgactive.tools.workflow.failover;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.upgrade.UpgradeService;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The service's side of failovers: starts them (one per primary: a request while one runs joins it, one that
 * completed is returned as it ended) and reads them. Temporal away is {@link UpgradeService.UnavailableException}.
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

    public FailoverView start(FailoverRequest request) {
        List<String> problems = FailoverRequest.validate(request);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        for (String node : request.toStandby() == null
                ? List.of(request.primary())
                : List.of(request.primary(), request.toStandby())) {
            if (config.collector().nodes().stream().noneMatch(n -> n.name().equals(node))) {
                throw new IllegalArgumentException("names no configured node: '" + node + "'");
            }
        }
        String id = Failover.workflowId(request.primary());
        WorkflowClient client = client();
        FailoverView existing = view(client, id, request.primary());
        if (existing != null
                && (Boolean.TRUE.equals(existing.running())
                        || existing.progress() != null && existing.progress().phase() == FailoverPhase.COMPLETED)) {
            return existing;
        }
        Failover stub = client.newWorkflowStub(
                Failover.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(id)
                        .setTaskQueue(worker.taskQueue())
                        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                        .build());
        call(() -> WorkflowClient.start(stub::run, new FailoverInput(id, request, settings.policy())));
        return view(client, id, request.primary());
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
        WorkflowExecutionStatus status = call(() -> {
            try {
                return client.getWorkflowServiceStubs()
                        .blockingStub()
                        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                                .setNamespace(client.getOptions().getNamespace())
                                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                                .build())
                        .getWorkflowExecutionInfo()
                        .getStatus();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return null;
                }
                throw e;
            }
        });
        if (status == null) {
            return null;
        }
        boolean running = status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
        FailoverProgress progress = call(() -> {
            if (running) {
                return client.newWorkflowStub(Failover.class, id).progress();
            }
            if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
                try {
                    return client.newUntypedWorkflowStub(id)
                            .getResult(RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS, FailoverProgress.class);
                } catch (TimeoutException e) {
                    return null;
                }
            }
            return null;
        });
        return new FailoverView(
                id, primary, status.name().replace("WORKFLOW_EXECUTION_STATUS_", ""), running, progress);
    }

    private WorkflowClient client() {
        TemporalWorker.State s = worker.state();
        if (!worker.enabled()) {
            throw new UpgradeService.UnavailableException(
                    "the Temporal worker is disabled (PGACTIVE_TOOLS_TEMPORAL_ENABLED=false)");
        }
        if (s.connection() != TemporalWorker.Connection.CONNECTED) {
            throw new UpgradeService.UnavailableException("Temporal server " + s.target() + " is not reachable"
                    + (s.error() == null ? " yet" : ": " + s.error()));
        }
        return worker.client();
    }

    private <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
                throw new UpgradeService.UnavailableException(
                        "Temporal server " + worker.state().target() + " did not answer: " + e.getStatus());
            }
            throw e;
        }
    }
}
