package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverProgress;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Promotes a standby of one primary: confirms the primary is down (or, forced, switches over from a healthy one),
 * fences it, promotes the chosen standby, waits until it takes writes and re-points traffic. One run per primary, with
 * the workflow id {@link #workflowId(String)}, so a second request for the same primary joins the first.
 */
@WorkflowInterface
public interface Failover {

    String TYPE = "Failover";

    static String workflowId(String primary) {
        return "failover-" + primary;
    }

    @WorkflowMethod(name = TYPE)
    FailoverProgress run(FailoverInput input);

    @QueryMethod(name = "progress")
    FailoverProgress progress();
}
