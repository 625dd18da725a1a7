package io.pgactive.tools.workflow.guard;

import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** What a guard does outside its workflow: act on the gate and record its decisions. All idempotent. */
@ActivityInterface
public interface GuardActivities {

    @ActivityMethod(name = "ReadGate")
    GateState readGate(String gate);

    @ActivityMethod(name = "PauseWrites")
    GateState pauseWrites(String gate);

    @ActivityMethod(name = "ResumeWrites")
    GateState resumeWrites(String gate);

    @ActivityMethod(name = "RecordGuardDecision")
    void recordDecision(String gate, String node, GuardDecision decision);
}
