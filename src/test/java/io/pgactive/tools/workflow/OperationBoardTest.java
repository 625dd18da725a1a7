package io.pgactive.tools.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Operation;
import io.pgactive.tools.contract.snapshot.Operation.OperationState;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperationBoardTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final OperationBoard board = new OperationBoard();

    @Test
    void aRunKeepsItsStartWhileItsStepsAdvanceAndAFinishedOneLeavesAfterTheKeepTime() {
        failover("failover_started", OperationState.RUNNING, true, T0);
        failover("promoted", OperationState.RUNNING, true, T0.plusSeconds(2));
        failover("traffic_repointed", OperationState.COMPLETED, true, T0.plusSeconds(3));
        // the failover's follow-up step continues the finished run instead of starting another
        failover("resync_started", OperationState.COMPLETED, false, T0.plusSeconds(4));

        List<Operation> now = board.current(T0.plusSeconds(5));
        assertThat(now).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Operation.FAILOVER);
            assertThat(o.step()).isEqualTo("resync_started");
            assertThat(o.state()).isEqualTo(OperationState.COMPLETED);
            assertThat(o.startedAt()).isEqualTo(T0);
            assertThat(o.updatedAt()).isEqualTo(T0.plusSeconds(4));
            assertThat(o.nodes()).containsExactly("node1", "node2");
        });
        assertThat(board.current(T0.plusSeconds(4).plus(OperationBoard.KEEP_FINISHED)))
                .hasSize(1);
        assertThat(board.current(T0.plusSeconds(5).plus(OperationBoard.KEEP_FINISHED)))
                .isEmpty();
    }

    @Test
    void aNewRunOfTheSameIdStartsAfresh() {
        failover("failover_failed", OperationState.FAILED, true, T0);
        failover("failover_started", OperationState.RUNNING, true, T0.plusSeconds(60));
        assertThat(board.current(T0.plusSeconds(61)))
                .singleElement()
                .satisfies(o -> assertThat(o.startedAt()).isEqualTo(T0.plusSeconds(60)));
    }

    @Test
    void finishedOperationsMakeRoomButRunningOnesAreNeverDropped() {
        for (int i = 0; i < OperationBoard.CAPACITY - 1; i++) {
            board.update(
                    Operation.RESYNC,
                    "resync-n" + i,
                    List.of("n" + i),
                    "rebuilding",
                    OperationState.RUNNING,
                    true,
                    T0,
                    "rebuilding");
        }
        board.update(
                Operation.RESYNC, "resync-x", List.of("x"), "failover_failed", OperationState.FAILED, true, T0, "no");
        assertThat(board.current(T0)).hasSize(OperationBoard.CAPACITY);
        board.update(
                Operation.RESYNC,
                "resync-y",
                List.of("y"),
                "rebuilding",
                OperationState.RUNNING,
                true,
                T0,
                "rebuilding");
        assertThat(board.current(T0))
                .hasSize(OperationBoard.CAPACITY)
                .extracting(Operation::id)
                .contains("resync-y")
                .doesNotContain("resync-x");
        board.update(
                Operation.RESYNC,
                "resync-z",
                List.of("z"),
                "rebuilding",
                OperationState.RUNNING,
                true,
                T0,
                "rebuilding");
        assertThat(board.current(T0)).hasSize(OperationBoard.CAPACITY + 1);
    }

    @Test
    void theSnapshotJsonCarriesOperationsOnlyWhenThereAreSome() throws Exception {
        Snapshot none = new Snapshot(7, T0, new ClusterSummary(NodeStatus.HEALTHY, 0, 0, null), Map.of());
        assertThat(new String(SnapshotJson.encode(none), StandardCharsets.UTF_8))
                .doesNotContain("operations");

        failover("promoted", OperationState.RUNNING, true, T0);
        Snapshot some = new Snapshot(7, T0, none.cluster(), Map.of(), board.current(T0));
        String json = new String(SnapshotJson.encode(some), StandardCharsets.UTF_8);
        assertThat(json).contains("\"operations\":[{\"kind\":\"failover\",\"id\":\"failover-node1\"");
        assertThat(json).contains("\"state\":\"RUNNING\"", "\"started_at\":\"2026-01-01T00:00:00Z\"");
        Snapshot read = SnapshotJson.MAPPER.readValue(json, Snapshot.class);
        assertThat(read).isEqualTo(some);
        assertThat(SnapshotJson.MAPPER
                        .readValue(SnapshotJson.encode(none), Snapshot.class)
                        .operations())
                .isEmpty();
    }

    private void failover(String step, OperationState state, boolean canBegin, Instant at) {
        board.update(
                Operation.FAILOVER,
                "failover-node1",
                List.of("node1", "node2"),
                step,
                state,
                canBegin,
                at,
                step + " message");
    }
}
