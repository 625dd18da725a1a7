package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * What an upgrade does outside its workflow, one activity per step of the upgrade table. Every one is idempotent: a
 * retry, or a repeat after the worker was killed mid-activity, finds what the earlier attempt did and never provisions,
 * shifts or creates anything twice. Failures that retrying cannot fix are non-retryable {@code ApplicationFailure}s
 * whose message an operator can act on.
 */
@ActivityInterface
public interface UpgradeActivities {

    /** Checks the request against the configuration, the snapshot and the source (preflight); returns the source. */
    @ActivityMethod(name = "ValidateInput")
    DatabaseRef validateInput(UpgradeRequest request, String targetNode);

    /** Creates the target (or finds the one created earlier) and has the collector scrape it. */
    @ActivityMethod(name = "ProvisionTargetDB")
    DatabaseRef provisionTarget(ProvisionRequest request);

    /** Replication settings on both nodes; returns the ones still waiting for a restart. */
    @ActivityMethod(name = "ConfigurePgactiveParams")
    List<String> configureParams(DatabaseRef source, DatabaseRef target);

    @ActivityMethod(name = "InstallPgactiveExtension")
    void installExtension(DatabaseRef source, DatabaseRef target, UpgradeScope scope);

    /** Schema copy and forward replication with its initial copy (the child workflow's first step). */
    @ActivityMethod(name = "StartReplication")
    ReplicationState startReplication(DatabaseRef source, DatabaseRef target, UpgradeScope scope);

    /** Heartbeats until the initial copy is done and changes stream (the child workflow's second step). */
    @ActivityMethod(name = "AwaitInitialCopy")
    ReplicationState awaitInitialCopy(DatabaseRef source, DatabaseRef target);

    /**
     * Watches the snapshot and replication for up to {@code policy.syncChunkMillis}: returns early once lag has stayed
     * under the threshold for the hold time, or as soon as apply errors exceed {@code applyErrorsSeen}. Heartbeats.
     */
    @ActivityMethod(name = "WaitForSync")
    SyncReading waitForSync(DatabaseRef source, DatabaseRef target, UpgradePolicy policy, long applyErrorsSeen);

    /**
     * Sends {@code targetPercent} % of new connections to the target. The first step also puts the target behind the
     * router, syncs sequences onto it and opens the path back, all before any connection reaches it.
     */
    @ActivityMethod(name = "TrafficShiftPhase")
    TrafficSplit shiftTraffic(DatabaseRef source, DatabaseRef target, UpgradeScope scope, int targetPercent);

    @ActivityMethod(name = "RunHealthChecks")
    HealthReport runHealthChecks(DatabaseRef source, DatabaseRef target, UpgradePolicy policy, long applyErrorsSeen);

    /**
     * Hold clients, let the target apply everything, sync sequences, make sure the path back runs, move all traffic,
     * release. Clients are released whatever happens; on failure the split is put back as it was.
     */
    @ActivityMethod(name = "Cutover")
    TrafficSplit cutover(DatabaseRef source, DatabaseRef target, UpgradeScope scope, long budgetMillis);

    /**
     * All traffic back on the source: hold clients, let the source apply what was written on the target, sync
     * sequences back, move traffic, release. Nothing to do when the target never took traffic.
     */
    @ActivityMethod(name = "RollbackTraffic")
    TrafficSplit rollbackTraffic(DatabaseRef source, DatabaseRef target, UpgradeScope scope, long budgetMillis);

    /**
     * Removes the target and everything made for it (replication, collector node, and the router entry when traffic
     * was ever shifted: a router that was never touched is not asked, so a stop before any shift needs no router).
     */
    @ActivityMethod(name = "RemoveTarget")
    void removeTarget(DatabaseRef source, String targetNode, boolean routerTouched);

    /** Ends replication between the old and the new node (the path back goes with it). */
    @ActivityMethod(name = "OptionallyDetachOld")
    void detachOld(DatabaseRef source, DatabaseRef target);

    @ActivityMethod(name = "DecommissionSource")
    void decommissionSource(DatabaseRef source);

    @ActivityMethod(name = "RecordUpgradeDecision")
    void recordDecision(String upgradeId, String sourceNode, UpgradeDecision decision);
}
