package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.failover.FailoverStep;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.workflow.gate.WriteGate;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.temporal.failure.ApplicationFailure;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** The switchover's activity dies without a report (a worker lost while it ran). */
    volatile boolean switchoverDies;
    /** No PgBouncer console is configured: nothing is held. */
    volatile boolean noGate;
    /** How far the switchover's clock is ahead of the real one. */
    volatile long skewMillis;
    /** PgBouncer's PAUSE does not drain: a transaction keeps running. */
    volatile boolean holdDrains = true;
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
    /** How many steps were recorded when the clients were last released. */
    volatile int recordedWhenReleased = -1;

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
        recordedWhenReleased = recorded.size();
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

    /**
     * The real {@link HeldSwitchover} over this double's nodes, router and gate, each call logged by the name the
     * step-by-step activities use where there is one.
     */
    SwitchoverReport switchover(String primary, String standby, FailoverPolicy policy) {
        calls.add("switchover " + primary + " to " + standby);
        if (switchoverDies) {
            throw ApplicationFailure.newFailure("activity heartbeat timed out", "Lost");
        }
        return new HeldSwitchover(
                        new Nodes(),
                        new Router(),
                        noGate ? Optional.empty() : Optional.of(new Gate()),
                        new Dsn("10.0.0.1", 5432, "app", "u", null, Map.of()),
                        new Dsn("10.0.0.2", 5432, "app", "u", null, Map.of()),
                        beat -> {},
                        () -> System.currentTimeMillis() + skewMillis,
                        1_000)
                .run(primary, standby, policy);
    }

    private final class Nodes implements NodeControl {

        @Override
        public boolean answers(String node) {
            return true;
        }

        @Override
        public boolean makeReadOnly(String node) {
            calls.add("read-only " + node);
            return true;
        }

        @Override
        public void makeWritable(String node) {
            calls.add("read-write " + node);
        }

        @Override
        public String currentLsn(String node) {
            calls.add("lsn " + node);
            return "5/3E8";
        }

        @Override
        public String replayLsn(String node) {
            calls.add("catch-up " + node);
            if (catchUpFails) {
                // a stuck replay: the switchover's clock runs to its catch-up timeout without the test waiting
                skewMillis += 1_000;
                return "5/300";
            }
            return "5/3E8";
        }

        @Override
        public boolean promote(String node, long timeoutMillis) {
            FailoverDouble.this.promote(node, timeoutMillis);
            return true;
        }

        @Override
        public boolean writable(String node) {
            calls.add("writable " + node);
            return node.equals(promoted);
        }

        @Override
        public String synchronousStandbyNames(String node) {
            return syncStandbyNames;
        }

        @Override
        public String setSynchronousStandbyNames(String node, List<String> names, long timeoutMillis) {
            calls.add("sync " + node + " '" + String.join(",", names) + "'");
            if (syncFails) {
                throw new UpgradeException(node + ": permission denied to set parameter", false);
            }
            String before = syncStandbyNames;
            syncStandbyNames = SynchronousStandbys.value(names);
            return before;
        }
    }

    private final class Router implements FailoverRouter {

        @Override
        public String fence(String node, String host, int port) {
            return FailoverDouble.this.fence(node);
        }

        @Override
        public String unfence(String node, String host, int port) {
            return FailoverDouble.this.unfence(node);
        }

        @Override
        public String repoint(String node, String host, int port) {
            return FailoverDouble.this.repoint(null, node);
        }
    }

    private final class Gate implements WriteGate {

        @Override
        public String name() {
            return "bouncer";
        }

        @Override
        public String describe() {
            return "PgBouncer database app";
        }

        @Override
        public GateState state() {
            return held ? GateState.PAUSED : GateState.OPEN;
        }

        @Override
        public GateState pause() {
            hold("p");
            return holdDrains ? GateState.PAUSED : GateState.PAUSING;
        }

        @Override
        public GateState resume() {
            release("p");
            return GateState.OPEN;
        }
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
