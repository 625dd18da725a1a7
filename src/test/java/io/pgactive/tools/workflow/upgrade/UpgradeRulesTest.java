package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpgradeRulesTest {

    static final long T = 1024 * 1024;
    static final UpgradePolicy P = new UpgradePolicy(
            T, 15 * 60_000L, 10_000L, 24 * 3_600_000L, 120_000L, 10_000L, 60_000L, 30_000L, 0L, 2_000);

    static UpgradeState state(
            UpgradePhase phase, UpgradeHold hold, long lagAboveSince, long syncSince, long applyErrorsSeen) {
        return new UpgradeState(
                phase,
                hold,
                null,
                UpgradeDouble.SOURCE,
                null,
                0,
                0,
                0,
                false,
                -1,
                lagAboveSince,
                syncSince,
                applyErrorsSeen,
                null,
                0,
                0,
                false,
                null,
                null,
                0,
                List.of());
    }

    static SyncReading reading(boolean inSync, long lag, long applyErrors, boolean nodes) {
        return new SyncReading(0, inSync, lag, applyErrors, nodes, "lag " + lag, 1);
    }

    @Test
    void aRequestIsCheckedFieldByField() {
        assertThat(UpgradeRules.validate(new UpgradeRequest(
                        "node1",
                        18,
                        List.of(25, 25, 50),
                        List.of("public.*", "sales.orders"),
                        "db.r6g.large",
                        Map.of("team", "db"))))
                .isEmpty();
        assertThat(UpgradeRules.validate(
                        new UpgradeRequest("", 3, List.of(0, 70, 60), List.of("orders; drop table x"), "a b", null)))
                .anySatisfy(p -> assertThat(p).startsWith("source:"))
                .anySatisfy(p -> assertThat(p).startsWith("target_version:"))
                .anySatisfy(p -> assertThat(p).startsWith("shifts[0]:"))
                .anySatisfy(p -> assertThat(p).contains("130%"))
                .anySatisfy(p -> assertThat(p).startsWith("tables[0]:"))
                .anySatisfy(p -> assertThat(p).startsWith("instance_class:"));
        assertThat(UpgradeRules.validate(null)).containsExactly("body: an upgrade request is required");
    }

    @Test
    void stepsAreCumulativeAndTheCutoverMovesTheRest() {
        assertThat(UpgradeRules.steps(List.of(25, 25, 50))).containsExactly(25, 50);
        assertThat(UpgradeRules.steps(List.of(10, 20))).containsExactly(10, 30);
        assertThat(UpgradeRules.steps(List.of(100))).isEmpty();
        assertThat(UpgradeRules.steps(List.of())).isEmpty();
    }

    @Test
    void lagAboveTheThresholdEscalatesOnlyAfterFifteenMinutes() {
        long start = 1_000_000;
        UpgradeRules.SyncVerdict first = UpgradeRules.onSync(
                reading(false, 5 * T, 0, true),
                state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, 0, start, 0),
                P,
                start);
        assertThat(first.action()).isEqualTo(UpgradeRules.SyncAction.WAIT);
        assertThat(first.lagAboveSince()).isEqualTo(start);

        UpgradeState above = state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, start, start, 0);
        assertThat(UpgradeRules.onSync(reading(false, 5 * T, 0, true), above, P, start + 15 * 60_000L - 1)
                        .action())
                .isEqualTo(UpgradeRules.SyncAction.WAIT);
        UpgradeRules.SyncVerdict late =
                UpgradeRules.onSync(reading(false, 5 * T, 0, true), above, P, start + 15 * 60_000L);
        assertThat(late.action()).isEqualTo(UpgradeRules.SyncAction.ESCALATE);
        assertThat(late.reason()).contains("5 MiB", "1 MiB", "15 min");

        // once under the threshold the window closes, even if the hold time has not passed yet
        assertThat(UpgradeRules.onSync(reading(false, T / 2, 0, true), above, P, start + 20 * 60_000L)
                        .lagAboveSince())
                .isZero();
        // an unreadable node counts as above: nobody can vouch for the lag
        assertThat(UpgradeRules.onSync(reading(false, 10, 0, false), above, P, start + 16 * 60_000L)
                        .action())
                .isEqualTo(UpgradeRules.SyncAction.ESCALATE);
        // already held: no second escalation
        UpgradeState held = state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.ESCALATED, start, start, 0);
        assertThat(UpgradeRules.onSync(reading(false, 5 * T, 0, true), held, P, start + 60 * 60_000L)
                        .action())
                .isEqualTo(UpgradeRules.SyncAction.WAIT);
    }

    @Test
    void noSyncWithinTheSyncTimeoutEscalates() {
        UpgradeState s = state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, 0, 1, 0);
        // lag flapping under and over the threshold never stays above for 15 minutes, but sync never comes either
        assertThat(UpgradeRules.onSync(reading(false, T / 2, 0, true), s, P, 1 + 24 * 3_600_000L)
                        .action())
                .isEqualTo(UpgradeRules.SyncAction.ESCALATE);
    }

    @Test
    void newApplyErrorsHaltBeforeAnythingElse() {
        UpgradeState s = state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, 0, 1, 2);
        assertThat(UpgradeRules.onSync(reading(true, 0, 2, true), s, P, 10).action())
                .isEqualTo(UpgradeRules.SyncAction.SYNCED);
        UpgradeRules.SyncVerdict v = UpgradeRules.onSync(reading(true, 0, 3, true), s, P, 10);
        assertThat(v.action()).isEqualTo(UpgradeRules.SyncAction.HALT);
        assertThat(v.reason()).contains("1 new apply error(s)");
    }

    @Test
    void aFailedHealthCheckGoesBackToTheLastGoodSplitButApplyErrorsHalt() {
        UpgradeState s = new UpgradeState(
                UpgradePhase.SHIFTING_TRAFFIC,
                UpgradeHold.NONE,
                null,
                UpgradeDouble.SOURCE,
                null,
                50,
                25,
                1,
                true,
                0,
                0,
                0,
                0,
                null,
                0,
                0,
                false,
                null,
                null,
                0,
                List.of());
        assertThat(UpgradeRules.onHealth(new HealthReport(0, true, List.of(), 0, 0, 1), s)
                        .action())
                .isEqualTo(UpgradeRules.HealthAction.PROCEED);
        UpgradeRules.HealthVerdict bad =
                UpgradeRules.onHealth(new HealthReport(0, false, List.of("target node2 is DOWN"), 0, 0, 1), s);
        assertThat(bad.action()).isEqualTo(UpgradeRules.HealthAction.ROLL_BACK_TO_LAST_GOOD);
        assertThat(bad.reason()).contains("at 50%", "target node2 is DOWN", "back to 25%");
        assertThat(UpgradeRules.onHealth(new HealthReport(0, false, List.of("x"), 0, 1, 1), s)
                        .action())
                .isEqualTo(UpgradeRules.HealthAction.HALT);
    }

    @Test
    void operatorRequestsAreAcceptedOnlyWhereTheyMeanSomething() {
        assertThat(UpgradeRules.rollbackRefusal(
                        state(UpgradePhase.AWAITING_APPROVAL, UpgradeHold.NONE, 0, 0, 0), "bad"))
                .isNull();
        assertThat(UpgradeRules.rollbackRefusal(state(UpgradePhase.DECOMMISSIONING, UpgradeHold.NONE, 0, 0, 0), "bad"))
                .contains("path back is gone");
        assertThat(UpgradeRules.rollbackRefusal(state(UpgradePhase.COMPLETED, UpgradeHold.NONE, 0, 0, 0), "bad"))
                .contains("complete");
        assertThat(UpgradeRules.rollbackRefusal(state(UpgradePhase.SHIFTING_TRAFFIC, UpgradeHold.NONE, 0, 0, 0), ""))
                .contains("reason");
        assertThat(UpgradeRules.rollbackRefusal(
                        state(UpgradePhase.SHIFTING_TRAFFIC, UpgradeHold.NONE, 0, 0, 0), "x".repeat(501)))
                .contains("longer than 500");

        assertThat(UpgradeRules.resumeRefusal(state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, 0, 0, 0), "go"))
                .contains("not held");
        assertThat(UpgradeRules.resumeRefusal(
                        state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.ESCALATED, 0, 0, 0), "go"))
                .isNull();

        assertThat(UpgradeRules.approveRefusal(
                        state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, 0, 0, 0), "ok", false))
                .isNull();
        assertThat(UpgradeRules.approveRefusal(
                        state(UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, 0, 0, 0), "ok", true))
                .contains("rolling back");
        assertThat(UpgradeRules.approveRefusal(
                        state(UpgradePhase.DETACHING_OLD, UpgradeHold.NONE, 0, 0, 0), "ok", false))
                .contains("already approved");
    }

    @Test
    void decommissionWaitsForApprovalUnlessADelayIsConfigured() {
        UpgradeState cut = new UpgradeState(
                UpgradePhase.AWAITING_APPROVAL,
                UpgradeHold.NONE,
                null,
                UpgradeDouble.SOURCE,
                null,
                100,
                100,
                2,
                true,
                0,
                0,
                0,
                0,
                null,
                0,
                5_000,
                false,
                null,
                null,
                0,
                List.of());
        assertThat(UpgradeRules.decommissionDueAt(cut, P)).isEqualTo(UpgradeRules.NEVER);
        UpgradePolicy delayed = new UpgradePolicy(T, 1, 1, 1, 1, 1, 1, 1, 3_600_000L, 1);
        assertThat(UpgradeRules.decommissionDueAt(cut, delayed)).isEqualTo(5_000 + 3_600_000L);
    }

    @Test
    void percentFollowsThePhasesAndTheSplitReached() {
        assertThat(UpgradeRules.percent(state(UpgradePhase.VALIDATING, UpgradeHold.NONE, 0, 0, 0)))
                .isZero();
        UpgradeState half = new UpgradeState(
                UpgradePhase.SHIFTING_TRAFFIC,
                UpgradeHold.NONE,
                null,
                null,
                null,
                50,
                50,
                2,
                true,
                0,
                0,
                0,
                0,
                null,
                0,
                0,
                false,
                null,
                null,
                0,
                List.of());
        assertThat(UpgradeRules.percent(half))
                .isBetween(UpgradePhase.SHIFTING_TRAFFIC.percent + 1, UpgradePhase.CUTTING_OVER.percent - 1);
        assertThat(UpgradeRules.percent(state(UpgradePhase.COMPLETED, UpgradeHold.NONE, 0, 0, 0)))
                .isEqualTo(100);
    }
}
