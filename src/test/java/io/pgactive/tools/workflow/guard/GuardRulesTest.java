package io.pgactive.tools.workflow.guard;

import static io.pgactive.tools.contract.gate.GateState.OPEN;
import static io.pgactive.tools.contract.gate.GateState.PAUSED;
import static io.pgactive.tools.contract.gate.GateState.PAUSING;
import static io.pgactive.tools.contract.guard.Band.ABOVE;
import static io.pgactive.tools.contract.guard.Band.BELOW;
import static io.pgactive.tools.contract.guard.Band.BETWEEN;
import static io.pgactive.tools.contract.guard.Band.UNKNOWN;
import static io.pgactive.tools.contract.guard.GuardMode.AUTO;
import static io.pgactive.tools.contract.guard.GuardMode.ESCALATED;
import static io.pgactive.tools.contract.guard.GuardMode.HELD_OPEN;
import static io.pgactive.tools.contract.guard.GuardMode.HELD_PAUSED;
import static io.pgactive.tools.workflow.guard.GuardRules.Action.CLEAR;
import static io.pgactive.tools.workflow.guard.GuardRules.Action.ESCALATE;
import static io.pgactive.tools.workflow.guard.GuardRules.Action.NONE;
import static io.pgactive.tools.workflow.guard.GuardRules.Action.PAUSE;
import static io.pgactive.tools.workflow.guard.GuardRules.Action.RESUME;
import static io.pgactive.tools.workflow.guard.GuardRules.NEVER;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.Band;
import io.pgactive.tools.contract.guard.GuardMode;
import io.pgactive.tools.contract.guard.GuardPolicy;
import io.pgactive.tools.contract.guard.GuardState;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the guard, one row each: the gate, who decides, the lag band and since when, when writes were paused,
 * the time; then the step expected (an action with a fragment of its reason, or NONE with the time to look again).
 * Policy: pause above 30 s, resume below 5 s, hold 10 s, max_pause 100 s.
 */
class GuardRulesTest {

    private static final GuardPolicy POLICY =
            new GuardPolicy(30, 5, 10_000, 100_000, GuardPolicy.RECONCILE_MILLIS, GuardPolicy.HISTORY_LIMIT);

    static Stream<Arguments> rules() {
        return Stream.of(
                // open gate under the rules: only lag above pause_above held for hold pauses
                row("above, not held long enough", OPEN, AUTO, ABOVE, 0, 0, 5_000, NONE, null, 10_000),
                row("above for hold", OPEN, AUTO, ABOVE, 0, 0, 10_000, PAUSE, "lag 40.0s above 30.0s for 10000ms", 0),
                row("between thresholds", OPEN, AUTO, BETWEEN, 0, 0, 60_000, NONE, null, NEVER),
                row("below", OPEN, AUTO, BELOW, 0, 0, 60_000, NONE, null, NEVER),
                row("no lag figure", OPEN, AUTO, UNKNOWN, 0, 0, 60_000, NONE, null, NEVER),
                // paused gate under the rules: lag below resume_below held for hold resumes; max_pause always wins
                row("below, not held long enough", PAUSED, AUTO, BELOW, 20_000, 0, 25_000, NONE, null, 30_000),
                row("below for hold", PAUSED, AUTO, BELOW, 20_000, 0, 30_000, RESUME, "below 5.0s for 10000ms", 0),
                row("still above: look again at max_pause", PAUSED, AUTO, ABOVE, 0, 0, 50_000, NONE, null, 100_000),
                row("no lag figure keeps writes paused", PAUSED, AUTO, UNKNOWN, 0, 0, 50_000, NONE, null, 100_000),
                row("max_pause reached", PAUSED, AUTO, ABOVE, 0, 0, 100_000, ESCALATE, "max_pause is 100000ms", 0),
                row(
                        "max_pause wins over a due resume",
                        PAUSED,
                        AUTO,
                        BELOW,
                        0,
                        0,
                        100_000,
                        ESCALATE,
                        "writes paused",
                        0),
                row("hold ends after max_pause", PAUSING, AUTO, BELOW, 95_000, 0, 96_000, NONE, null, 100_000),
                row("pausing counts as paused", PAUSING, AUTO, BELOW, 20_000, 0, 30_000, RESUME, "below", 0),
                // operator overrides: the gate follows the operator whatever the lag
                row("held paused, gate open", OPEN, HELD_PAUSED, BELOW, 0, 0, 1, PAUSE, "operator: backfill", 0),
                row("held paused, gate paused", PAUSED, HELD_PAUSED, BELOW, 0, 0, 1, NONE, null, NEVER),
                row("held open, gate paused", PAUSED, HELD_OPEN, ABOVE, 0, 0, 1, RESUME, "operator: backfill", 0),
                row("held open, gate open", OPEN, HELD_OPEN, ABOVE, 0, 0, 1_000_000, NONE, null, NEVER),
                // escalated: writes stay open until lag has been below resume_below for hold
                row("escalated, gate still paused", PAUSED, ESCALATED, ABOVE, 0, 0, 1, RESUME, "past max_pause", 0),
                row("escalated, lag still high", OPEN, ESCALATED, ABOVE, 0, 0, 1_000_000, NONE, null, NEVER),
                row("escalated, lag unknown", OPEN, ESCALATED, UNKNOWN, 0, 0, 1_000_000, NONE, null, NEVER),
                row("escalated, recovering", OPEN, ESCALATED, BELOW, 0, 0, 5_000, NONE, null, 10_000),
                row("escalated, recovered", OPEN, ESCALATED, BELOW, 0, 0, 10_000, CLEAR, "below 5.0s for 10000ms", 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void decides(String rule, GuardState state, long now, GuardRules.Action action, String reason, long wakeAt) {
        GuardRules.Step step = GuardRules.next(state, POLICY, now);
        assertThat(step.action()).isEqualTo(action);
        if (action == NONE) {
            assertThat(step.wakeAtMillis()).isEqualTo(wakeAt);
        } else {
            assertThat(step.reason()).contains(reason);
        }
    }

    private static Arguments row(
            String rule,
            GateState gate,
            GuardMode mode,
            Band band,
            long bandSince,
            long pausedSince,
            long now,
            GuardRules.Action action,
            String reason,
            long wakeAt) {
        Double lag = switch (band) {
            case ABOVE -> 40.0;
            case BETWEEN -> 10.0;
            case BELOW -> 1.0;
            case UNKNOWN -> null;
        };
        GuardState state = new GuardState(
                gate,
                mode,
                band,
                lag,
                1,
                bandSince,
                bandSince,
                pausedSince,
                null,
                0,
                List.of(),
                mode == HELD_OPEN || mode == HELD_PAUSED ? "backfill" : null);
        return Arguments.of(rule, state, now, action, reason, wakeAt);
    }
}
