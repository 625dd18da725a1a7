package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeDecision;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.temporal.failure.ApplicationFailure;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upgrade's activities over an in-memory source, target, replication and router, for workflow tests that skip
 * time (the real ports are exercised by their own tests and the end-to-end test). It behaves like the ports promise:
 * provisioning twice finds the first target, a shift sets the split, a rollback moves the split back; and it counts
 * every operation so tests can see double provisioning or shifting.
 *
 * <p>It reaches the worker through {@link #activities()}, a proxy, rather than implementing {@link UpgradeActivities}:
 * the Temporal extension refuses an application with two implementations of one activity interface.
 */
final class UpgradeDouble {

    static final DatabaseRef SOURCE = new DatabaseRef("node1", "127.0.0.1", 5432, "app", 16);

    UpgradeActivities activities() {
        return (UpgradeActivities) Proxy.newProxyInstance(
                UpgradeActivities.class.getClassLoader(),
                new Class<?>[] {UpgradeActivities.class},
                (proxy, method, args) -> {
                    calls.add(method.getName());
                    counts.computeIfAbsent(method.getName(), k -> new AtomicInteger())
                            .incrementAndGet();
                    CountDownLatch gate = blocked.get(method.getName());
                    if (gate != null) {
                        entered.add(method.getName());
                        gate.await(60, TimeUnit.SECONDS);
                    }
                    try {
                        return UpgradeDouble.class
                                .getDeclaredMethod(method.getName(), method.getParameterTypes())
                                .invoke(this, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    final List<String> calls = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    final Map<String, CountDownLatch> blocked = new ConcurrentHashMap<>();
    final Set<String> entered = ConcurrentHashMap.newKeySet();
    final List<UpgradeDecision> decisions = new CopyOnWriteArrayList<>();
    /** Every split the router was set to, in order. */
    final List<Integer> splits = new CopyOnWriteArrayList<>();

    volatile DatabaseRef target;
    volatile int targetPercent;
    volatile boolean attached;
    volatile boolean reverse;
    volatile boolean held;
    volatile boolean removed;
    volatile boolean detached;
    volatile boolean decommissioned;
    /** Set before the first connection may reach the target. */
    volatile boolean sequencesSynced;

    volatile int provisionFailures;
    volatile int syncFailures;
    volatile List<String> pendingRestart = List.of();
    volatile long lagBytes = 1024;
    volatile boolean nodesHealthy = true;
    volatile long applyErrors;
    /** Health checks fail while the split is at or above this. */
    volatile int unhealthyFrom = 101;

    void block(String activity) {
        blocked.put(activity, new CountDownLatch(1));
    }

    void release(String activity) {
        CountDownLatch gate = blocked.remove(activity);
        if (gate != null) {
            gate.countDown();
        }
    }

    void releaseAll() {
        List.copyOf(blocked.keySet()).forEach(this::release);
    }

    int count(String activity) {
        AtomicInteger c = counts.get(activity);
        return c == null ? 0 : c.get();
    }

    List<String> actions() {
        return decisions.stream().map(UpgradeDecision::action).toList();
    }

    List<UpgradePhase> phases() {
        List<UpgradePhase> out = new ArrayList<>();
        for (UpgradeDecision d : decisions) {
            if (out.isEmpty() || out.get(out.size() - 1) != d.to()) {
                out.add(d.to());
            }
        }
        return out;
    }

    // --- the activities ------------------------------------------------------------------------------------------

    DatabaseRef validateInput(UpgradeRequest request, String targetNode) {
        List<String> problems = UpgradeRules.validate(request);
        if (!problems.isEmpty()) {
            throw ApplicationFailure.newNonRetryableFailure(String.join("; ", problems), "InvalidUpgrade");
        }
        return SOURCE;
    }

    DatabaseRef provisionTarget(ProvisionRequest request) {
        if (provisionFailures > 0) {
            provisionFailures--;
            throw ApplicationFailure.newFailure("no capacity for " + request.targetNode(), "UpgradeStepFailed");
        }
        if (target == null) {
            target = new DatabaseRef(request.targetNode(), "127.0.0.1", 5433, "app", request.targetMajorVersion());
        }
        removed = false;
        return target;
    }

    List<String> configureParams(DatabaseRef source, DatabaseRef target) {
        return pendingRestart;
    }

    void installExtension(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {}

    ReplicationState startReplication(DatabaseRef source, DatabaseRef target, UpgradeScope scope) {
        return state();
    }

    ReplicationState awaitInitialCopy(DatabaseRef source, DatabaseRef target) {
        return state();
    }

    private ReplicationState state() {
        return new ReplicationState(true, true, reverse, lagBytes, reverse ? 0 : -1, applyErrors, "streaming");
    }

    SyncReading waitForSync(DatabaseRef source, DatabaseRef target, UpgradePolicy policy, long applyErrorsSeen) {
        if (syncFailures > 0) {
            syncFailures--;
            throw ApplicationFailure.newFailure("snapshot not available", "UpgradeStepFailed");
        }
        boolean in = nodesHealthy
                && lagBytes >= 0
                && lagBytes <= policy.lagThresholdBytes()
                && applyErrors <= applyErrorsSeen;
        return new SyncReading(
                System.currentTimeMillis(), in, lagBytes, applyErrors, nodesHealthy, "lag " + lagBytes, 1);
    }

    TrafficSplit shiftTraffic(DatabaseRef source, DatabaseRef target, UpgradeScope scope, int percent) {
        if (percent > 0) {
            sequencesSynced = true;
            reverse = true;
            attached = true;
        }
        return move(percent);
    }

    private TrafficSplit move(int percent) {
        if (splits.isEmpty() || splits.get(splits.size() - 1) != percent) {
            splits.add(percent);
        }
        targetPercent = percent;
        return new TrafficSplit(percent, held, "target weight " + percent);
    }

    HealthReport runHealthChecks(DatabaseRef source, DatabaseRef target, UpgradePolicy policy, long applyErrorsSeen) {
        boolean healthy = targetPercent < unhealthyFrom;
        return new HealthReport(
                System.currentTimeMillis(),
                healthy,
                healthy ? List.of() : List.of("probe failed on the target"),
                lagBytes,
                applyErrors,
                1);
    }

    TrafficSplit cutover(DatabaseRef source, DatabaseRef target, UpgradeScope scope, long budgetMillis) {
        reverse = true;
        sequencesSynced = true;
        return move(100);
    }

    TrafficSplit rollbackTraffic(DatabaseRef source, DatabaseRef target, UpgradeScope scope, long budgetMillis) {
        attached = false;
        return move(0);
    }

    void removeTarget(DatabaseRef source, String targetNode, boolean routerTouched) {
        if (routerTouched) {
            attached = false;
        }
        reverse = false;
        removed = true;
        target = null;
    }

    void detachOld(DatabaseRef source, DatabaseRef target) {
        detached = true;
        reverse = false;
    }

    void decommissionSource(DatabaseRef source) {
        decommissioned = true;
    }

    void recordDecision(String upgradeId, String sourceNode, UpgradeDecision decision) {
        decisions.add(decision);
    }
}
