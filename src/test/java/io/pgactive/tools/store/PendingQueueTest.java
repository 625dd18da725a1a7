package io.pgactive.tools.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.snapshot.ConflictRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pending queue's bounds on their own: what is thinned, what is dropped, and that nothing said is lost. */
class PendingQueueTest {

    private static final Instant T0 = Instant.parse("2026-07-17T10:00:00Z");

    @Test
    void pastTheByteBoundTheOldestAreThinnedAndTheNewestKeepsItsSnapshot() {
        PendingQueue q = new PendingQueue(250, 100);
        for (long v = 1; v <= 5; v++) {
            q.add(version(v, 100));
        }
        assertThat(q.bytes()).isLessThanOrEqualTo(250);
        assertThat(q.thinned()).isEqualTo(3);
        assertThat(q.dropped()).isZero();
        List<PendingVersion> all = q.take(10);
        assertThat(all).extracting(p -> p.version).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(all).extracting(PendingVersion::thinned).containsExactly(true, true, true, false, false);
        assertThat(q.bytes()).isZero();
    }

    @Test
    void aSingleVersionLargerThanTheBoundIsKept() {
        PendingQueue q = new PendingQueue(10, 100);
        q.add(version(1, 100));
        assertThat(q.thinned()).isZero();
        assertThat(q.take(1).get(0).json()).hasSize(100);
    }

    @Test
    void pastTheVersionBoundTheOldestAreDroppedAndTheirEventsAndConflictsCarriedForward() {
        PendingQueue q = new PendingQueue(1 << 20, 2);
        for (long v = 1; v <= 4; v++) {
            q.add(version(v, 10));
        }
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.dropped()).isEqualTo(2);
        List<PendingVersion> left = q.take(10);
        assertThat(left).extracting(p -> p.version).containsExactly(3L, 4L);
        assertThat(left.get(0).events).extracting(Event::version).containsExactly(1L, 2L, 3L);
        assertThat(left.get(0).conflicts).extracting(ConflictRecord::conflictId).containsExactly(1L, 2L, 3L);
        assertThat(left.get(1).events).extracting(Event::version).containsExactly(4L);
        assertThat(q.bytes()).isZero();
    }

    @Test
    void aRequeuedBatchGoesBackInFrontInItsOrderAndTheBoundsApplyAgain() {
        PendingQueue q = new PendingQueue(250, 3);
        q.add(version(1, 100));
        q.add(version(2, 100));
        List<PendingVersion> batch = q.take(2);
        assertThat(q.isEmpty()).isTrue();
        q.add(version(3, 100));
        q.add(version(4, 100));
        q.requeue(batch);
        // 400 bytes against 250: versions 1 and 2 are thinned; four versions against three: 1 is dropped into 2
        assertThat(q.thinned()).isEqualTo(2);
        assertThat(q.dropped()).isEqualTo(1);
        List<PendingVersion> all = q.take(10);
        assertThat(all).extracting(p -> p.version).containsExactly(2L, 3L, 4L);
        assertThat(all).extracting(PendingVersion::thinned).containsExactly(true, false, false);
        assertThat(all.get(0).events).extracting(Event::version).containsExactly(1L, 2L);
    }

    @Test
    void takeReturnsTheOldestFirstUpToTheBatchSize() {
        PendingQueue q = new PendingQueue(1 << 20, 100);
        for (long v = 1; v <= 5; v++) {
            q.add(version(v, 10));
        }
        assertThat(q.take(2)).extracting(p -> p.version).containsExactly(1L, 2L);
        assertThat(q.size()).isEqualTo(3);
        assertThat(q.bytes()).isEqualTo(30);
    }

    private static PendingVersion version(long v, int jsonBytes) {
        Instant at = T0.plusSeconds(v);
        Event event = Event.of(at, v, "node1", EventType.STATUS, "HEALTHY", "LAGGING", null);
        ConflictRecord conflict = new ConflictRecord(
                "node1", v, at, "update_update", "last_update_wins_keep_remote", "public", "t", "node2");
        return new PendingVersion(
                v,
                at,
                new ClusterSummary(NodeStatus.HEALTHY, 1, 1, 0.0),
                null,
                new byte[jsonBytes],
                List.of(event),
                List.of(conflict));
    }
}
