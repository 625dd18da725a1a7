package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * Starts forward replication, then waits (heartbeating) for the initial copy. Its own workflow so that a long copy
 * has a history of its own and the parent's 30 minute budget is enforced by the server.
 */
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalWorkflow(workers = {})
public class InitReplicationGroupWorkflow implements InitReplicationGroup {

    private final UpgradeActivities start = Workflow.newActivityStub(
            UpgradeActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofMinutes(10))
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setMaximumAttempts(3)
                            .setInitialInterval(Duration.ofSeconds(2))
                            .build())
                    .build());
    private final UpgradeActivities copy = Workflow.newActivityStub(
            UpgradeActivities.class,
            ActivityOptions.newBuilder()
                    .setStartToCloseTimeout(Duration.ofMinutes(30))
                    .setHeartbeatTimeout(Duration.ofSeconds(30))
                    .setRetryOptions(RetryOptions.newBuilder()
                            .setInitialInterval(Duration.ofSeconds(2))
                            .setMaximumInterval(Duration.ofSeconds(30))
                            .build())
                    .build());

    @Override
    public ReplicationState init(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {
        start.startReplication(source, target, scope);
        return copy.awaitInitialCopy(source, target);
    }
}
