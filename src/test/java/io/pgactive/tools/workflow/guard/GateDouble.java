package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.workflow.gate.GateState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The guard's activities over an in-memory gate, for workflow tests that skip time (the real PgBouncer gate is
 * exercised by its own tests and by the end-to-end test). Counts operations so tests can see double pauses.
 */
final class GateDouble implements GuardActivities {

    volatile GateState state = GateState.OPEN;
    final AtomicInteger pauses = new AtomicInteger();
    final AtomicInteger resumes = new AtomicInteger();
    final List<GuardDecision> decisions = new CopyOnWriteArrayList<>();
    volatile RuntimeException failure;

    @Override
    public GateState readGate(String gate) {
        return state;
    }

    @Override
    public GateState pauseWrites(String gate) {
        fail();
        pauses.incrementAndGet();
        state = GateState.PAUSED;
        return state;
    }

    @Override
    public GateState resumeWrites(String gate) {
        fail();
        resumes.incrementAndGet();
        state = GateState.OPEN;
        return state;
    }

    @Override
    public void recordDecision(String gate, String node, GuardDecision decision) {
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
