package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.temporal.failure.ApplicationFailure;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A primary and its standbys in memory, behind the failover's activities: what the workflow tests change to drive a
 * branch, and the calls the workflow made in order, to check it took the branch.
 */
final class FailoverDouble {

    static final long BASE = 0x5_0000_0000L;

    volatile PrimaryView primary = new PrimaryView("p", NodeStatus.DOWN, true, 60_000, BASE + 1_000);
    volatile List<StandbyView> standbys = List.of(
            new StandbyView("s", NodeStatus.HEALTHY, true, true, "sync", true, BASE + 1_000, BASE + 1_000),
            new StandbyView("a", NodeStatus.HEALTHY, true, true, "async", true, BASE + 900, BASE + 900));
    volatile boolean primaryAnswers;
    volatile boolean catchUpFails;
    volatile boolean promoteFails;
    volatile boolean repointFails;
    volatile boolean syncFails;
    /** Whether the old primary comes back for its resync. */
    volatile boolean oldPrimaryReturns = true;
    /** The promoted node's synchronous_standby_names: what it copied from the old primary, until the failover sets it. */
    volatile String syncStandbyNames = "\"s\", \"a\"";

    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<FailoverStep> recorded = new CopyOnWriteArrayList<>();
    volatile String routedTo = "p";
    volatile boolean primaryFenced;
    volatile String promoted;
    volatile boolean held;

    /**
     * The activities as the worker sees them: a proxy onto this object's methods of the same names, not an
     * implementation of {@link FailoverActivities} (the Temporal extension refuses two implementations of one activity
     * interface in an application, and the Quarkus tests build one from these classes).
     */
    FailoverActivities activities() {
        return (FailoverActivities) Proxy.newProxyInstance(
                FailoverActivities.class.getClassLoader(),
                new Class<?>[] {FailoverActivities.class},
                (proxy, method, args) -> {
                    try {
                        return FailoverDouble.class
                                .getDeclaredMethod(method.getName(), method.getParameterTypes())
                                .invoke(this, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    ReplicationView observe(String node) {
        calls.add("observe " + node);
        return new ReplicationView(11, primary, standbys);
    }

    boolean probe(String node) {
        calls.add("probe " + node);
        return primaryAnswers;
    }

    String fence(String node) {
        calls.add("fence " + node);
        primaryFenced = true;
        routedTo = null;
        return node + " out of the router";
    }

    String unfence(String node) {
        calls.add("unfence " + node);
        primaryFenced = false;
        routedTo = node;
        return node + " back in the router";
    }

    String hold(String node) {
        calls.add("hold " + node);
        held = true;
        return "clients of " + node + " held";
    }

    String release(String node) {
        calls.add("release " + node);
        held = false;
        return "clients released";
    }

    String awaitCaughtUp(String node, String standby, long timeoutMillis) {
        calls.add("catch-up " + standby);
        if (catchUpFails) {
            throw ApplicationFailure.newNonRetryableFailure("replay stuck at 5/300", "CatchUpTimeout");
        }
        return "5/3E8";
    }

    String promote(String standby, long timeoutMillis) {
        calls.add("promote " + standby);
        if (promoteFails) {
            throw ApplicationFailure.newNonRetryableFailure("pg_promote returned false", "PromoteFailed");
        }
        promoted = standby;
        return standby + " promoted";
    }

    void awaitWritable(String node, long timeoutMillis) {
        calls.add("writable " + node);
    }

    String configureSynchronousStandbys(String node, String policy) {
        calls.add("sync " + node + " '" + policy + "'");
        if (syncFails) {
            throw ApplicationFailure.newNonRetryableFailure("permission denied to set parameter", "SetFailed");
        }
        if (SynchronousStandbys.KEEP.equals(policy)) {
            return "kept '" + syncStandbyNames + "'";
        }
        String before = syncStandbyNames;
        syncStandbyNames = SynchronousStandbys.value(SynchronousStandbys.namesFor(policy, node));
        return "'" + before + "' -> '" + syncStandbyNames + "'";
    }

    String repoint(String oldPrimary, String newPrimary) {
        calls.add("repoint " + newPrimary);
        if (repointFails) {
            throw ApplicationFailure.newNonRetryableFailure("HAProxy refused the command", "RouterFailed");
        }
        routedTo = newPrimary;
        return "router sends new connections to " + newPrimary;
    }

    String awaitAnswers(String node, long timeoutMillis) {
        calls.add("answers " + node);
        if (!oldPrimaryReturns) {
            throw ApplicationFailure.newNonRetryableFailure(
                    node + " did not answer within " + timeoutMillis + " ms", "NodeAway");
        }
        return node + " answered";
    }

    String rebuildStandby(String node, String newPrimary) {
        calls.add("rebuild " + node + " from " + newPrimary);
        return node + " rewound";
    }

    String awaitStreaming(String node, String newPrimary, long timeoutMillis) {
        calls.add("streaming " + node + " from " + newPrimary);
        return node + " streams from " + newPrimary;
    }

    String includeSynchronousStandby(String primary, String node, String policy) {
        calls.add("include " + node + " on " + primary + " '" + policy + "'");
        return "'' -> '\"" + node + "\"'";
    }

    void record(FailoverStep step) {
        recorded.add(step);
    }

    List<String> recordedTypes() {
        return recorded.stream().map(FailoverStep::type).toList();
    }
}
