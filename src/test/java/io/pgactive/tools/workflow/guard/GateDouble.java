package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.GuardDecision;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The guard's activities over an in-memory gate, for workflow tests that skip time (the real PgBouncer gate is
 * exercised by its own tests and by the end-to-end test). Counts operations so tests can see double pauses.
 *
 * <p>It reaches the worker through {@link #activities()}, a proxy, rather than implementing {@link GuardActivities}:
 * the Temporal extension refuses to build an application (the Quarkus tests') with two implementations of one activity
 * interface.
 */
final class GateDouble {

    GuardActivities activities() {
        return (GuardActivities) Proxy.newProxyInstance(
                GuardActivities.class.getClassLoader(),
                new Class<?>[] {GuardActivities.class},
                (proxy, method, args) -> {
                    try {
                        return GateDouble.class
                                .getDeclaredMethod(method.getName(), method.getParameterTypes())
                                .invoke(this, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    volatile GateState state = GateState.OPEN;
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final List<GuardDecision> decisions = new CopyOnWriteArrayList<>();
    volatile RuntimeException failure;

    GateState readGate(String gate) {
        return state;
    }

    GateState pauseWrites(String gate) {
        fail();
        pauses.incrementAndGet();
        state = GateState.PAUSED;
        return state;
    }

    GateState resumeWrites(String gate) {
        fail();
        resumes.incrementAndGet();
        state = GateState.OPEN;
        return state;
    }

    void recordDecision(String gate, String node, GuardDecision decision) {
        decisions.add(decision);
    }

    List<String> actions() {
        return decisions.stream().map(GuardDecision::action).toList();
    }

    private void fail() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }
}
