package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LagClockTest {

    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    private final LagClock clock = new LagClock(Duration.ofSeconds(6));

    private Instant at(int seconds) {
        return t0.plusSeconds(seconds);
    }

    @Test
    void idleUpstreamReadsZeroForever() {
        for (int s = 0; s < 600; s += 2) {
            clock.record("p", at(s), 1000);
            assertThat(clock.lagSeconds("p", at(s), 1000)).isZero();
            assertThat(clock.stalled("p|k|r", "p", at(s), 1000)).isFalse();
        }
    }

    @Test
    void stalledDownstreamLagGrowsAndIsFlaggedAfterStallAfter() {
        clock.record("p", at(0), 1000);
        assertThat(clock.stalled("l", "p", at(0), 1000)).isFalse();
        for (int s = 2; s <= 20; s += 2) {
            clock.record("p", at(s), 1000 + s * 100L); // upstream keeps writing
            assertThat(clock.lagSeconds("p", at(s), 1000)).isEqualTo(s - 2.0); // first seen beyond 1000 at t=2
            assertThat(clock.stalled("l", "p", at(s), 1000)).isEqualTo(s >= 8);
        }
    }

    @Test
    void progressingDownstreamIsNotStalledAndLagFollowsTheHistory() {
        for (int s = 0; s <= 20; s += 2) {
            clock.record("p", at(s), 1000 + s * 100L);
        }
        // downstream replayed what the upstream had at t=10 (2000): the next WAL appeared at t=12
        assertThat(clock.lagSeconds("p", at(20), 2000)).isEqualTo(8.0);
        assertThat(clock.stalled("l", "p", at(20), 2000)).isFalse();
        assertThat(clock.stalled("l", "p", at(22), 2100)).isFalse();
        assertThat(clock.lagSeconds("p", at(20), 3000)).isZero();
    }

    @Test
    void unknownUpstreamOrPositionGivesNull() {
        assertThat(clock.lagSeconds("nobody", at(0), 1)).isNull();
        clock.record("p", at(0), 10);
        assertThat(clock.lagSeconds("p", at(0), -1)).isNull();
    }

    @Test
    void walGoingBackwardsStartsANewHistory() {
        clock.record("p", at(0), 5000);
        clock.record("p", at(2), 6000);
        clock.record("p", at(4), 100); // restored or failed over: another server
        assertThat(clock.lagSeconds("p", at(4), 100)).isZero();
        assertThat(clock.lagSeconds("p", at(6), 50)).isEqualTo(2.0);
    }

    @Test
    void lsnParsingIsExact() {
        assertThat(Lsn.parse("0/0")).isZero();
        assertThat(Lsn.parse("1/0")).isEqualTo(1L << 32);
        assertThat(Lsn.parse("16/B374D848")).isEqualTo(0x16B374D848L);
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF")).isEqualTo(-1L); // the largest LSN wraps to -1 as a signed long
        assertThat(Lsn.parse(null)).isEqualTo(-1);
        assertThat(Lsn.parse("garbage")).isEqualTo(-1);
    }

    @Test
    void conflictWindowCountsOnlyTheLastMinute() {
        ConflictWindow w = new ConflictWindow();
        w.add(at(0), 2);
        w.add(at(30), 1);
        w.add(at(50), 0);
        assertThat(w.lastMinute(at(59))).isEqualTo(3);
        assertThat(w.lastMinute(at(61))).isEqualTo(1);
        assertThat(w.lastMinute(at(200))).isZero();
    }
}
