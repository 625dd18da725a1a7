package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** The upgrade's child workflow: copies the schema, starts forward replication and waits for the initial copy. */
@WorkflowInterface
public interface InitReplicationGroup {

    String TYPE = "InitReplicationGroup";

    @WorkflowMethod(name = TYPE)
    ReplicationState init(DatabaseRef source, DatabaseRef target, UpgradeScope scope);
}
