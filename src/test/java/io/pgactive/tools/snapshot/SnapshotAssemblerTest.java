package io.pgactive.tools.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotAssemblerTest {

    private final SnapshotAssembler assembler = new SnapshotAssembler(HealthPolicy.of(5, 15, 3));
    private long version;

    private static NodeMetrics lag(Double seconds) {
        return new NodeMetrics(
                null, seconds, 100L, true, null, null, null, null, 0, 0L, Map.of(), false, "0/1", null, null);
    }

    private static NodeObservation ok(String name, NodeMetrics metrics, Link... links) {
        return new NodeObservation(
                name,
                true,
                null,
                null,
                Instant.parse("2026-01-01T00:00:00Z"),
                List.of("primary"),
                "18.1",
                null,
                metrics,
                List.of(links),
                Map.of("x", 1),
                Map.of());
    }

    private Snapshot cycle(NodeObservation... observations) {
        return assembler.assemble(++version, Instant.now(), List.of(observations));
    }

    @Test
    void failureStreakDegradesAtThreeAndDownsAtTenThenRecoversOnFirstSuccess() {
        assertThat(cycle(ok("a", lag(1.0)), ok("b", lag(0.0))).nodes().get("a").status())
                .isEqualTo(NodeStatus.HEALTHY);
        for (int i = 1; i <= 12; i++) {
            Snapshot s = cycle(NodeObservation.failure("a", "connect", "refused"), ok("b", lag(0.0)));
            NodeState a = s.nodes().get("a");
            NodeStatus expected = i >= 10 ? NodeStatus.DOWN : i >= 3 ? NodeStatus.DEGRADED : NodeStatus.HEALTHY;
            assertThat(a.status()).as("after %d failures", i).isEqualTo(expected);
            assertThat(a.consecutiveFailures()).isEqualTo(i);
            assertThat(a.error()).isEqualTo("refused");
            assertThat(a.errorClass()).isEqualTo("connect");
            // the last good values stay, with the time they were read
            assertThat(a.metrics().lagSeconds()).isEqualTo(1.0);
            assertThat(a.readAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
            assertThat(a.custom()).containsEntry("x", 1);
            assertThat(s.nodes().get("b").status()).isEqualTo(NodeStatus.HEALTHY);
            assertThat(s.cluster().status()).isEqualTo(expected);
        }
        NodeState back = cycle(ok("a", lag(0.5)), ok("b", lag(0.0))).nodes().get("a");
        assertThat(back.status()).isEqualTo(NodeStatus.HEALTHY);
        assertThat(back.consecutiveFailures()).isZero();
        assertThat(back.error()).isNull();
        assertThat(back.reasons()).isEmpty();
    }

    @Test
    void nodeThatNeverAnsweredIsUnknownThenDegradedThenDown() {
        assertThat(cycle(NodeObservation.failure("a", "timeout", "slow"))
                        .nodes()
                        .get("a")
                        .status())
                .isEqualTo(NodeStatus.UNKNOWN);
        cycle(NodeObservation.failure("a", "timeout", "slow"));
        NodeState third =
                cycle(NodeObservation.failure("a", "timeout", "slow")).nodes().get("a");
        assertThat(third.status()).isEqualTo(NodeStatus.DEGRADED);
        assertThat(third.lastSuccessAt()).isNull();
        assertThat(third.metrics()).isEqualTo(NodeMetrics.EMPTY);
    }

    @Test
    void thresholdsMapToStatusesWithReasons() {
        Snapshot s =
                cycle(ok("warn", lag(5.0)), ok("crit", lag(15.0)), ok("fine", lag(4.99)), ok("unknown", lag(null)));
        assertThat(s.nodes().get("warn").status()).isEqualTo(NodeStatus.DEGRADED);
        assertThat(s.nodes().get("warn").reasons()).singleElement().asString().contains("lag 5.0s >= warning 5.0s");
        assertThat(s.nodes().get("crit").status()).isEqualTo(NodeStatus.CRITICAL);
        assertThat(s.nodes().get("fine").status()).isEqualTo(NodeStatus.HEALTHY);
        assertThat(s.nodes().get("unknown").status()).isEqualTo(NodeStatus.HEALTHY);
        assertThat(s.cluster()).isEqualTo(new ClusterSummary(NodeStatus.CRITICAL, 4, 2, 15.0));
        assertThat(s.nodes().keySet()).containsExactly("crit", "fine", "unknown", "warn");
    }

    @Test
    void conflictsInactiveSendersAndStalledLinksDegrade() {
        NodeMetrics conflicts = new NodeMetrics(
                null,
                0.0,
                0L,
                true,
                null,
                null,
                null,
                null,
                3,
                10L,
                Map.of("insert_insert", 10L),
                false,
                null,
                null,
                null);
        Link inactive = Link.outbound("streaming", "b")
                .state("disconnected")
                .active(false)
                .lagSeconds(0.0)
                .lagBytes(0L)
                .stalled(false)
                .build();
        Link stalled = inactive.withLag(30.0, true);
        Link stalledActive = Link.outbound("logical", "c")
                .state("streaming")
                .active(true)
                .lagSeconds(1.0)
                .lagBytes(10L)
                .stalled(true)
                .build();
        NodeMetrics receiverDown =
                new NodeMetrics(null, 0.0, 0L, null, null, null, null, null, null, null, null, true, null, false, 0.0);
        Snapshot s = cycle(
                ok("c", conflicts),
                ok("i", lag(0.0), inactive),
                ok("s", lag(0.0), stalledActive),
                ok("r", receiverDown));
        assertThat(s.nodes().get("c").status()).isEqualTo(NodeStatus.DEGRADED);
        assertThat(s.nodes().get("c").reasons())
                .anyMatch(r -> r.contains("3 conflicts in the last minute >= warning 3/min"));
        assertThat(s.nodes().get("i").reasons()).containsExactly("streaming outbound link b inactive");
        assertThat(s.nodes().get("s").reasons()).containsExactly("logical outbound link c stalled");
        assertThat(s.nodes().get("r").reasons()).containsExactly("WAL receiver not streaming");
        assertThat(stalled.stalled()).isTrue();
    }

    @Test
    void removedNodesDisappear() {
        cycle(ok("a", lag(0.0)), ok("b", lag(0.0)));
        assertThat(cycle(ok("a", lag(0.0))).nodes()).containsOnlyKeys("a");
    }

    @Test
    void jsonIsSnakeCaseWithRfc3339TimesAndSeedFields() throws Exception {
        Snapshot s = cycle(ok("node1", lag(1.5)));
        var tree = SnapshotJson.MAPPER.readTree(SnapshotJson.encode(s));
        assertThat(tree.get("version").asLong()).isEqualTo(s.version());
        assertThat(tree.get("cluster").get("nodes_total").asInt()).isEqualTo(1);
        var node = tree.get("nodes").get("node1");
        assertThat(node.get("status").asText()).isEqualTo("HEALTHY");
        assertThat(node.get("last_success_at").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(node.get("metrics").get("lag_seconds").asDouble()).isEqualTo(1.5);
        assertThat(node.get("metrics").has("walsender_active")).isTrue();
        assertThat(node.get("metrics").get("lag_xid").isNull()).isTrue();
        assertThat(node.get("links").isArray()).isTrue();
    }
}
