package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.ResyncProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Rebuilds a node (typically the primary a failover replaced) as a streaming standby of the new primary and records
 * {@code resynced} once the snapshot shows it streaming. One run per node at a time: {@link #workflowId(String)}.
 */
@WorkflowInterface
public interface Resync {

    String TYPE = "Resync";

    static String workflowId(String node) {
        return "resync-" + node;
    }

    @WorkflowMethod(name = TYPE)
    ResyncProgress run(ResyncInput input);

    @QueryMethod(name = "progress")
    ResyncProgress progress();
}
