package io.pgactive.tools.workflow.failover;

import static io.pgactive.tools.workflow.failover.FailoverSnapshots.metrics;
import static io.pgactive.tools.workflow.failover.FailoverSnapshots.node;
import static io.pgactive.tools.workflow.failover.FailoverSnapshots.receiver;
import static io.pgactive.tools.workflow.failover.FailoverSnapshots.sender;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.failover.FailoverDecision;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FailoverRulesTest {

    private static final FailoverPolicy POLICY = new FailoverPolicy(5_000, 1_000, 30_000, 60_000, 30_000);
    private static final long BASE = 0x3_0000_0000L;

    /** One row: what the primary and standbys look like, what was asked, and what must come out. */
    record Case(
            String name,
            PrimaryView primary,
            List<StandbyView> standbys,
            boolean probeAnswered,
            boolean force,
            String to,
            boolean proceed,
            boolean planned,
            String standby,
            String reasonContains,
            long loss) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static PrimaryView down(long forMillis) {
        return new PrimaryView("p", NodeStatus.DOWN, true, forMillis, BASE + 5_000);
    }

    private static final PrimaryView HEALTHY = new PrimaryView("p", NodeStatus.HEALTHY, true, 0, BASE + 5_000);

    private static StandbyView sync(String name, long behind) {
        return new StandbyView(
                name, NodeStatus.HEALTHY, true, true, "sync", true, BASE + 5_000 - behind, BASE + 5_000 - behind);
    }

    private static StandbyView async(String name, long behind) {
        return new StandbyView(
                name, NodeStatus.HEALTHY, true, true, "async", true, BASE + 5_000 - behind, BASE + 5_000 - behind);
    }

    private static StandbyView unreadable(String name) {
        return new StandbyView(name, NodeStatus.DOWN, false, true, "sync", true, BASE + 5_000, BASE + 5_000);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "down primary: the synchronous standby wins over a more advanced async one",
                        down(10_000),
                        List.of(async("a", 0), sync("s", 200)),
                        false,
                        false,
                        null,
                        true,
                        false,
                        "s",
                        "synchronous",
                        0),
                new Case(
                        "down primary, two async: the most advanced within the maximum",
                        down(10_000),
                        List.of(async("a", 900), async("b", 100)),
                        false,
                        false,
                        null,
                        true,
                        false,
                        "b",
                        "100 bytes behind",
                        100),
                new Case(
                        "async lag over the maximum is refused",
                        down(10_000),
                        List.of(async("a", 5_000)),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "more than the maximum of 1000",
                        -1),
                new Case(
                        "async lag over the maximum is accepted when forced, and the loss recorded",
                        down(10_000),
                        List.of(async("a", 5_000)),
                        false,
                        true,
                        null,
                        true,
                        false,
                        "a",
                        "5000 bytes behind",
                        5_000),
                new Case(
                        "a synchronous standby is exempt from the lag maximum",
                        down(10_000),
                        List.of(sync("s", 5_000)),
                        false,
                        false,
                        null,
                        true,
                        false,
                        "s",
                        "synchronous",
                        0),
                new Case(
                        "healthy primary without force is refused",
                        HEALTHY,
                        List.of(sync("s", 0)),
                        true,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "answers a direct probe",
                        -1),
                new Case(
                        "snapshot says down but the probe answers: refused without force",
                        down(60_000),
                        List.of(sync("s", 0)),
                        true,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "answers a direct probe",
                        -1),
                new Case(
                        "healthy primary with force is a planned switchover",
                        HEALTHY,
                        List.of(async("a", 0), sync("s", 10)),
                        true,
                        true,
                        null,
                        true,
                        true,
                        "s",
                        "planned switchover",
                        0),
                new Case(
                        "failing for less than down_for is refused",
                        down(1_000),
                        List.of(sync("s", 0)),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "less than the 5000 ms",
                        -1),
                new Case(
                        "probe fails but the snapshot reads it fine: not confirmed",
                        HEALTHY,
                        List.of(sync("s", 0)),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "not confirmed down",
                        -1),
                new Case(
                        "a standby the service cannot see is never chosen",
                        down(10_000),
                        List.of(unreadable("s"), async("a", 10)),
                        false,
                        false,
                        null,
                        true,
                        false,
                        "a",
                        "asynchronous",
                        10),
                new Case(
                        "no fit standby: each reason named",
                        down(10_000),
                        List.of(
                                unreadable("s"),
                                new StandbyView("x", NodeStatus.HEALTHY, true, true, null, false, -1, -1)),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "s: the service cannot read it (DOWN); x: it never streamed",
                        -1),
                new Case(
                        "a standby already promoted: no second failover of the same primary",
                        down(10_000),
                        List.of(
                                new StandbyView("s", NodeStatus.HEALTHY, true, false, "sync", true, BASE, BASE),
                                async("a", 10)),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "s, a standby of p, is out of recovery already",
                        -1),
                new Case(
                        "no standby at all",
                        down(10_000),
                        List.of(),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "none follows it",
                        -1),
                new Case(
                        "the operator's choice wins over the preference",
                        down(10_000),
                        List.of(sync("s", 0), async("a", 10)),
                        false,
                        false,
                        "a",
                        true,
                        false,
                        "a",
                        "promoting a",
                        10),
                new Case(
                        "the operator's choice must be a standby of the primary",
                        down(10_000),
                        List.of(sync("s", 0)),
                        false,
                        false,
                        "zz",
                        false,
                        false,
                        null,
                        "zz is not a standby of p",
                        -1),
                new Case(
                        "the operator's choice must be fit",
                        down(10_000),
                        List.of(unreadable("s"), async("a", 10)),
                        false,
                        false,
                        "s",
                        false,
                        false,
                        null,
                        "s cannot be promoted",
                        -1),
                new Case(
                        "unknown primary",
                        new PrimaryView("p", NodeStatus.UNKNOWN, false, 0, -1),
                        List.of(),
                        false,
                        false,
                        null,
                        false,
                        false,
                        null,
                        "no configured node",
                        -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        FailoverDecision d = FailoverRules.decide(
                new FailoverRequest("p", c.force(), c.to(), null),
                new ReplicationView(7, c.primary(), c.standbys()),
                c.probeAnswered(),
                POLICY);
        assertThat(d.proceed()).as("proceed").isEqualTo(c.proceed());
        assertThat(d.planned()).as("planned").isEqualTo(c.planned());
        assertThat(d.standby()).as("standby").isEqualTo(c.standby());
        assertThat(d.reason()).contains(c.reasonContains());
        assertThat(d.possibleLossBytes()).as("possible loss").isEqualTo(c.loss());
    }

    @Test
    void lsnParsesPostgresNotation() {
        assertThat(FailoverRules.lsn("16/B374D848")).isEqualTo((0x16L << 32) | 0xB374D848L);
        assertThat(FailoverRules.lsn("0/0")).isZero();
        assertThat(FailoverRules.lsn(null)).isEqualTo(-1);
        assertThat(FailoverRules.lsn("garbage")).isEqualTo(-1);
    }

    @Test
    void viewFindsStandbysFromTheirReceiversAndThePrimarysSenders() {
        Instant now = Instant.parse("2026-01-01T00:00:10Z");
        NodeState primary = node(
                "p",
                NodeStatus.DOWN,
                3,
                now.minusSeconds(8),
                metrics(false, "3/1000"),
                List.of(sender("s", "sync", "streaming", "3/1000"), sender("a", "async", "streaming", "3/F00")));
        NodeState s = node(
                "s",
                NodeStatus.HEALTHY,
                0,
                now,
                metrics(true, null),
                List.of(receiver("p", "waiting", false, "3/1000", "3/FF0")));
        NodeState a = node(
                "a",
                NodeStatus.HEALTHY,
                0,
                now,
                metrics(true, null),
                List.of(receiver("p", "waiting", false, "3/F00", "3/F00")));
        NodeState other = node("o", NodeStatus.HEALTHY, 0, now, metrics(false, "9/0"), List.of());
        Snapshot snap = new Snapshot(42, now, null, Map.of("p", primary, "s", s, "a", a, "o", other));

        ReplicationView v = FailoverRules.view(snap, "p", now.toEpochMilli());

        assertThat(v.version()).isEqualTo(42);
        assertThat(v.primary().failingForMillis()).isEqualTo(8_000);
        assertThat(v.primary().lastLsn()).isEqualTo(BASE + 0x1000);
        assertThat(v.standbys()).extracting(StandbyView::node).containsExactly("a", "s");
        StandbyView sv = v.standbys().get(1);
        assertThat(sv.synchronous()).isTrue();
        assertThat(sv.receivedLsn()).isEqualTo(BASE + 0x1000);
        assertThat(sv.replayLsn()).isEqualTo(BASE + 0xFF0);
        FailoverDecision d = FailoverRules.decide(new FailoverRequest("p", false, null, null), v, false, POLICY);
        assertThat(d.standby()).isEqualTo("s");
    }
}
