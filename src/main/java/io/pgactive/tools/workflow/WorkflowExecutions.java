package io.pgactive.tools.workflow;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** What the services that start workflows ask Temporal about one of them, the same way for every kind. */
public final class WorkflowExecutions {

    private WorkflowExecutions() {}

    /**
     * Where the latest run of a workflow stands without asking its worker: its status, and how many events its history
     * holds. A workflow's state only changes in a workflow task, and every completed task adds events, so an answer
     * read from the workflow (a query) stays true while the run and the history length are the same. {@code closedAt}
     * is null while the run is open.
     */
    public record Execution(String runId, WorkflowExecutionStatus status, long historyLength, Instant closedAt) {}

    /**
     * How the services start a workflow whose id names what it acts on (one per node): a start while a run is open
     * joins that run instead of failing or starting a second one, and a start after a run ended begins a new run.
     */
    public static WorkflowOptions startOnce(String id, String taskQueue) {
        return WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(taskQueue)
                .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build();
    }

    /** The latest run's status of workflow {@code id}; null when Temporal knows no such workflow. */
    public static WorkflowExecutionStatus status(WorkflowClient client, String id) {
        Execution e = describe(client, id);
        return e == null ? null : e.status();
    }

    /** The latest run of workflow {@code id}; null when Temporal knows no such workflow. */
    public static Execution describe(WorkflowClient client, String id) {
        try {
            WorkflowExecutionInfo info = client.getWorkflowServiceStubs()
                    .blockingStub()
                    .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
                            .setNamespace(client.getOptions().getNamespace())
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                            .build())
                    .getWorkflowExecutionInfo();
            Instant closedAt = info.hasCloseTime()
                    ? Instant.ofEpochSecond(
                            info.getCloseTime().getSeconds(),
                            info.getCloseTime().getNanos())
                    : null;
            return new Execution(info.getExecution().getRunId(), info.getStatus(), info.getHistoryLength(), closedAt);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Where a workflow stands: its live progress while it runs (from {@code query}), its result once it completed
     * (waiting at most {@code resultWait}), and null when it ended otherwise (failed, cancelled, terminated).
     */
    public static <P> P progress(
            WorkflowClient client,
            String id,
            WorkflowExecutionStatus status,
            Supplier<P> query,
            Class<P> resultType,
            Duration resultWait) {
        if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
            return query.get();
        }
        if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
            try {
                return client.newUntypedWorkflowStub(id)
                        .getResult(resultWait.toMillis(), TimeUnit.MILLISECONDS, resultType);
            } catch (TimeoutException e) {
                return null;
            }
        }
        return null;
    }

    /** The status as the API shows it: {@code RUNNING}, {@code COMPLETED}, {@code FAILED}, ... */
    public static String name(WorkflowExecutionStatus status) {
        return status.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    }
}
