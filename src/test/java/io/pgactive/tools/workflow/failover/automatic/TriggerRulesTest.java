package io.pgactive.tools.workflow.failover.automatic;

import static io.pgactive.tools.workflow.failover.FailoverSnapshots.lsn;
import static io.pgactive.tools.workflow.failover.FailoverSnapshots.metrics;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.workflow.failover.FailoverPolicy;
import io.pgactive.tools.workflow.failover.FailoverSnapshots;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The trigger decision over sequences of snapshots with explicit times. Primary {@code p} has a synchronous standby
 * {@code s} and an asynchronous one {@code a}; {@code x} is another node of the service that follows neither.
 * Each row is a script of frames (a snapshot at a second after T0, or what a hand-off found) and what the policy must
 * conclude on each snapshot: {@code idle}, {@code trigger} or the hold's reason.
 */
class TriggerRulesTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long BASE = 0x3_0000_0000L;
    private static final FailoverPolicy FAILOVER = new FailoverPolicy(5_000, 1_000, 30_000, 60_000, 30_000);
    private static final AutomaticPolicy ON = new AutomaticPolicy(true, Set.of("p"), 30_000, 600_000, FAILOVER);

    /** How the service reads the nodes in one snapshot. */
    enum Seen {
        /** everything read */
        ALL_UP,
        /** the primary fails, both standbys and x are read */
        PRIMARY_DOWN,
        /** the primary and both standbys fail, x is read */
        STANDBYS_DOWN_TOO,
        /** no node is read: the service is cut off */
        NOTHING,
        /** the primary and the synchronous standby fail; the asynchronous one is 2000 bytes behind */
        ONLY_LAGGING_ASYNC,
        /** the primary and the synchronous standby fail; the asynchronous one is 500 bytes behind */
        ONLY_CLOSE_ASYNC
    }

    /** One frame of a script: a snapshot ({@code seen} not null) or a hand-off's outcome. */
    record Frame(int second, long version, Seen seen, boolean temporal, UnaryOperator<PrimaryWatch> outcome) {}

    record Case(String name, AutomaticPolicy policy, List<Frame> frames, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Builds a script; versions count up by one per snapshot unless {@link #gap()} skips some. */
    static final class Script {
        private final List<Frame> frames = new ArrayList<>();
        private long version;

        Script at(int second, Seen seen) {
            frames.add(new Frame(second, ++version, seen, true, null));
            return this;
        }

        Script every(int from, int to, int step, Seen seen) {
            for (int s = from; s <= to; s += step) {
                at(s, seen);
            }
            return this;
        }

        Script withoutTemporal(int second, Seen seen) {
            frames.add(new Frame(second, ++version, seen, false, null));
            return this;
        }

        Script gap() {
            version += 3;
            return this;
        }

        Script handOff(int second, UnaryOperator<PrimaryWatch> outcome) {
            frames.add(new Frame(second, 0, null, true, outcome));
            return this;
        }

        List<Frame> frames() {
            return frames;
        }
    }

    private static Instant t(int second) {
        return T0.plusSeconds(second);
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "not enabled: holds for that reason however long the primary fails",
                        new AutomaticPolicy(false, Set.of("p"), 30_000, 600_000, FAILOVER),
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .at(120, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of("not_enabled", "not_enabled")),
                new Case(
                        "enabled but the primary is not listed",
                        new AutomaticPolicy(true, Set.of("x"), 30_000, 600_000, FAILOVER),
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .at(120, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of("not_listed", "not_listed")),
                new Case(
                        "enabled with an empty list of primaries: acts on none",
                        new AutomaticPolicy(true, Set.of(), 30_000, 600_000, FAILOVER),
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .at(120, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of("not_listed", "not_listed")),
                new Case(
                        "a healthy primary is left alone",
                        ON,
                        new Script().every(0, 60, 20, Seen.ALL_UP).frames(),
                        List.of("idle", "idle", "idle", "idle")),
                new Case(
                        "down for less than down-for: waits; at down-for it triggers once",
                        ON,
                        new Script()
                                .every(0, 25, 5, Seen.PRIMARY_DOWN)
                                .at(30, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of(
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "trigger")),
                new Case(
                        "flapping: one snapshot reading the primary again restarts the clock",
                        ON,
                        new Script()
                                .every(0, 20, 10, Seen.PRIMARY_DOWN)
                                .at(25, Seen.ALL_UP)
                                .every(30, 50, 10, Seen.PRIMARY_DOWN)
                                .at(60, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of(
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "idle",
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "trigger")),
                new Case(
                        "skipped versions may have read the primary: the clock restarts after a gap",
                        ON,
                        new Script()
                                .every(0, 20, 10, Seen.PRIMARY_DOWN)
                                .gap()
                                .at(40, Seen.PRIMARY_DOWN)
                                .at(65, Seen.PRIMARY_DOWN)
                                .at(70, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of(
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "down_too_short",
                                "trigger")),
                new Case(
                        "no standby read: holds, even long after down-for",
                        ON,
                        new Script()
                                .at(0, Seen.STANDBYS_DOWN_TOO)
                                .every(30, 90, 30, Seen.STANDBYS_DOWN_TOO)
                                .frames(),
                        List.of("down_too_short", "no_standby_up", "no_standby_up", "no_standby_up")),
                new Case(
                        "the service reads no node at all: it may be the one partitioned, never acts",
                        ON,
                        new Script().at(0, Seen.NOTHING).at(60, Seen.NOTHING).frames(),
                        List.of("down_too_short", "monitor_isolated")),
                new Case(
                        "the only standby read is asynchronous and lags beyond max-lag-bytes",
                        ON,
                        new Script()
                                .at(0, Seen.ONLY_LAGGING_ASYNC)
                                .at(60, Seen.ONLY_LAGGING_ASYNC)
                                .frames(),
                        List.of("down_too_short", "no_fit_standby")),
                new Case(
                        "the only standby read is asynchronous within max-lag-bytes: the rules accept it",
                        ON,
                        new Script()
                                .at(0, Seen.ONLY_CLOSE_ASYNC)
                                .at(60, Seen.ONLY_CLOSE_ASYNC)
                                .frames(),
                        List.of("down_too_short", "trigger")),
                new Case(
                        "Temporal not connected: holds, and triggers once it is",
                        ON,
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .withoutTemporal(30, Seen.PRIMARY_DOWN)
                                .at(35, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of("down_too_short", "temporal_unavailable", "trigger")),
                new Case(
                        "after the trigger: a start in flight, then the cooldown holds another",
                        ON,
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .at(30, Seen.PRIMARY_DOWN)
                                .at(31, Seen.PRIMARY_DOWN)
                                .handOff(32, w -> w.started(t(32)))
                                .at(40, Seen.PRIMARY_DOWN)
                                .at(70, Seen.PRIMARY_DOWN)
                                .at(100, Seen.ALL_UP)
                                .at(110, Seen.PRIMARY_DOWN)
                                .at(500, Seen.PRIMARY_DOWN)
                                .at(640, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of(
                                "down_too_short",
                                "trigger",
                                "failover_running",
                                "failover_running",
                                "cooldown",
                                "idle",
                                "down_too_short",
                                "cooldown",
                                "trigger")),
                new Case(
                        "a failover started by an operator runs: the policy does not start another",
                        ON,
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .at(30, Seen.PRIMARY_DOWN)
                                .handOff(31, w -> w.foundRunning(t(31)))
                                .at(40, Seen.PRIMARY_DOWN)
                                .at(55, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of("down_too_short", "trigger", "failover_running", "failover_running")),
                new Case(
                        "a start that failed is tried again after down-for, not on every snapshot",
                        ON,
                        new Script()
                                .at(0, Seen.PRIMARY_DOWN)
                                .at(30, Seen.PRIMARY_DOWN)
                                .handOff(31, w -> w.startFailed(t(61)))
                                .at(40, Seen.PRIMARY_DOWN)
                                .at(61, Seen.PRIMARY_DOWN)
                                .frames(),
                        List.of("down_too_short", "trigger", "start_failed", "trigger")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesOverTheSequence(Case c) {
        assertThat(run(c.policy(), c.frames())).isEqualTo(c.expected());
    }

    @Test
    void eachReasonIsReportedOncePerOutage() {
        List<Frame> frames = new Script()
                .every(0, 60, 5, Seen.STANDBYS_DOWN_TOO)
                .at(65, Seen.ALL_UP)
                .every(70, 130, 5, Seen.STANDBYS_DOWN_TOO)
                .frames();
        PrimaryWatch w = PrimaryWatch.NEW;
        List<String> reported = new ArrayList<>();
        for (Frame f : frames) {
            TriggerRules.Verdict v = TriggerRules.next(ON, "p", w, snapshot(f), t(f.second()), true);
            w = v.watch();
            if (v.report()) {
                reported.add(f.second() + ":" + v.reason().tag());
            }
        }
        assertThat(reported)
                .containsExactly("0:down_too_short", "30:no_standby_up", "70:down_too_short", "100:no_standby_up");
    }

    @Test
    void itsOwnStartInFlightIsNotReportedAsHoldingBack() {
        List<Frame> frames = new Script()
                .at(0, Seen.PRIMARY_DOWN)
                .every(30, 40, 5, Seen.PRIMARY_DOWN)
                .frames();
        PrimaryWatch w = PrimaryWatch.NEW;
        List<String> reported = new ArrayList<>();
        for (Frame f : frames) {
            TriggerRules.Verdict v = TriggerRules.next(ON, "p", w, snapshot(f), t(f.second()), true);
            w = v.watch();
            reported.add(v.action() == TriggerRules.Action.HOLD ? v.reason().tag() + (v.report() ? "!" : "") : "-");
        }
        assertThat(reported).containsExactly("down_too_short!", "-", "failover_running", "failover_running");
    }

    @Test
    void theTriggerSaysItIsAutomaticAndWhy() {
        List<Frame> frames =
                new Script().at(0, Seen.PRIMARY_DOWN).at(30, Seen.PRIMARY_DOWN).frames();
        PrimaryWatch w = PrimaryWatch.NEW;
        TriggerRules.Verdict v = null;
        for (Frame f : frames) {
            v = TriggerRules.next(ON, "p", w, snapshot(f), t(f.second()), true);
            w = v.watch();
        }
        assertThat(v.action()).isEqualTo(TriggerRules.Action.TRIGGER);
        assertThat(v.detail()).startsWith("automatic: p failing in every snapshot since " + t(0));
        assertThat(v.detail()).contains("snapshot 2").contains("promoting s (synchronous");
        assertThat(v.watch().starting()).isTrue();
    }

    @Test
    void settingsOutOfBoundsAreNamed() {
        Set<String> nodes = Set.of("p", "s", "a");
        assertThat(ON.problems(nodes)).isEmpty();
        assertThat(new AutomaticPolicy(true, Set.of("q"), 30_000, 600_000, FAILOVER).problems(nodes))
                .containsExactly("pgactive.failover.automatic.primaries: no configured node is named 'q'");
        assertThat(new AutomaticPolicy(true, Set.of("p"), 1_000, 600_000, FAILOVER).problems(nodes))
                .singleElement()
                .asString()
                .startsWith("pgactive.failover.automatic.down-for: PT1S is shorter than pgactive.failover.down-for");
        assertThat(new AutomaticPolicy(true, Set.of("p"), 30_000, 1_000, FAILOVER).problems(nodes))
                .singleElement()
                .asString()
                .startsWith("pgactive.failover.automatic.cooldown: between PT1M and PT168H");
        // off, the policy's settings cannot stop the service
        assertThat(new AutomaticPolicy(false, Set.of("q"), 1_000, 1_000, FAILOVER).problems(nodes))
                .isEmpty();
    }

    private static List<String> run(AutomaticPolicy policy, List<Frame> frames) {
        PrimaryWatch w = PrimaryWatch.NEW;
        List<String> out = new ArrayList<>();
        for (Frame f : frames) {
            if (f.outcome() != null) {
                w = f.outcome().apply(w);
                continue;
            }
            TriggerRules.Verdict v = TriggerRules.next(policy, "p", w, snapshot(f), t(f.second()), f.temporal());
            w = v.watch();
            out.add(
                    switch (v.action()) {
                        case IDLE -> "idle";
                        case TRIGGER -> "trigger";
                        case HOLD -> v.reason().tag();
                    });
        }
        return out;
    }

    /** The primary was last read at T0 - 1 s unless this frame reads it. */
    private static Snapshot snapshot(Frame f) {
        Instant at = t(f.second());
        Seen seen = f.seen();
        boolean primaryUp = seen == Seen.ALL_UP;
        boolean syncUp = seen == Seen.ALL_UP || seen == Seen.PRIMARY_DOWN;
        boolean asyncUp = seen != Seen.STANDBYS_DOWN_TOO && seen != Seen.NOTHING;
        boolean otherUp = seen != Seen.NOTHING;
        long asyncBehind = seen == Seen.ONLY_LAGGING_ASYNC ? 2_000 : seen == Seen.ONLY_CLOSE_ASYNC ? 500 : 100;
        Map<String, NodeState> nodes = new LinkedHashMap<>();
        Instant lastPrimary = primaryUp ? at : T0.minusSeconds(1);
        nodes.put(
                "p",
                node(
                        "p",
                        primaryUp,
                        lastPrimary,
                        at,
                        metrics(false, lsn(BASE + 5_000)),
                        List.of(sender("s", "sync", BASE + 5_000), sender("a", "async", BASE + 5_000))));
        nodes.put(
                "s",
                node(
                        "s",
                        syncUp,
                        T0.minusSeconds(1),
                        at,
                        metrics(true, lsn(BASE + 5_000)),
                        List.of(receiver("p", BASE + 5_000))));
        nodes.put(
                "a",
                node(
                        "a",
                        asyncUp,
                        T0.minusSeconds(1),
                        at,
                        metrics(true, lsn(BASE + 5_000 - asyncBehind)),
                        List.of(receiver("p", BASE + 5_000 - asyncBehind))));
        nodes.put("x", node("x", otherUp, T0.minusSeconds(1), at, metrics(false, lsn(BASE)), List.of()));
        return new Snapshot(f.version(), at, new ClusterSummary(NodeStatus.UNKNOWN, nodes.size(), 0, null), nodes);
    }

    private static NodeState node(
            String name, boolean up, Instant lastUp, Instant at, NodeMetrics m, List<Link> links) {
        return FailoverSnapshots.node(
                name, up ? NodeStatus.HEALTHY : NodeStatus.DOWN, up ? 0 : 3, up ? at : lastUp, m, links);
    }

    private static Link sender(String peer, String sync, long sent) {
        return FailoverSnapshots.sender(peer, sync, "streaming", lsn(sent));
    }

    private static Link receiver(String peer, long flushed) {
        return FailoverSnapshots.receiver(peer, "streaming", true, lsn(flushed), lsn(flushed));
    }
}
