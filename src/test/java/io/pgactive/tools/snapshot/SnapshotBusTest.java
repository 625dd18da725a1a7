package io.pgactive.tools.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class SnapshotBusTest {

    private static PublishedSnapshot version(long v) {
        Snapshot s = new Snapshot(v, Instant.EPOCH, new ClusterSummary(NodeStatus.UNKNOWN, 0, 0, null), Map.of());
        return new PublishedSnapshot(s, SnapshotJson.encode(s), Instant.EPOCH, List.of());
    }

    /** Runs its tasks only when asked: a consumer thread that is stalled while the publisher goes on. */
    private static final class StalledExecutor implements Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable r) {
            tasks.add(r);
        }

        void drain() {
            Runnable r;
            while ((r = next()) != null) {
                r.run();
            }
        }

        private synchronized Runnable next() {
            return tasks.poll();
        }
    }

    @Test
    void aFollowerInStepSeesEveryVersionInOrder() {
        SnapshotBus bus = new SnapshotBus();
        List<Long> seen = new ArrayList<>();
        bus.follow("test", null, p -> seen.add(p.version()));
        for (long v = 1; v <= 200; v++) {
            bus.publish(version(v));
        }
        assertThat(seen).hasSize(200).isSorted().startsWith(1L).endsWith(200L);
    }

    @Test
    void aStalledFollowerIsResynchronisedToTheLatestInsteadOfBufferingWithoutBound() {
        SnapshotBus bus = new SnapshotBus();
        StalledExecutor executor = new StalledExecutor();
        List<Long> seen = new ArrayList<>();
        var follower = bus.follow("test", executor, p -> seen.add(p.version()));
        for (long v = 1; v <= 500; v++) {
            bus.publish(version(v));
        }
        executor.drain();
        assertThat(seen).isNotEmpty().contains(500L).hasSizeLessThan(500);
        bus.publish(version(501));
        executor.drain();
        assertThat(seen.get(seen.size() - 1)).isEqualTo(501L);
        follower.cancel();
        bus.publish(version(502));
        executor.drain();
        assertThat(seen).doesNotContain(502L);
    }
}
