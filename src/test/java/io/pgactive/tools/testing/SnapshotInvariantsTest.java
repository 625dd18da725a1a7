package io.pgactive.tools.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.snapshot.HealthPolicy;
import io.pgactive.tools.snapshot.NodeObservation;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotAssembler;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checker itself: each invariant it promises is one it can find broken. */
class SnapshotInvariantsTest {

    private final SnapshotAssembler assembler = new SnapshotAssembler(HealthPolicy.of(5, 15, 3));

    private static Link link(
            String peer, String direction, Boolean active, Double lagSeconds, Long lagBytes, String slot) {
        Link.Builder b =
                Link.OUTBOUND.equals(direction) ? Link.outbound("streaming", peer) : Link.inbound("streaming", peer);
        return b.state("streaming")
                .active(active)
                .lagSeconds(lagSeconds)
                .lagBytes(lagBytes)
                .stalled(false)
                .slot(slot)
                .build();
    }

    private static NodeObservation node(String name, Double lag, Link... links) {
        NodeMetrics m = new NodeMetrics(
                null, lag, null, null, null, null, null, null, null, null, Map.of(), false, null, null, null);
        return new NodeObservation(
                name, true, null, null, Instant.now(), List.of(), null, null, m, List.of(links), Map.of(), Map.of());
    }

    private static PublishedSnapshot published(Snapshot s) {
        return new PublishedSnapshot(s, new byte[0], Instant.now());
    }

    @Test
    void aConsistentSnapshotPasses() {
        Snapshot s = assembler.assemble(
                1,
                Instant.now(),
                List.of(
                        node("a", 2.0, link("b", Link.OUTBOUND, true, 2.0, 100L, "b_slot")),
                        node("b", 2.0, link("a", Link.INBOUND, true, 2.0, 100L, "b_slot"))));
        assertThat(SnapshotInvariants.of(s, List.of("a", "b"))).isEmpty();
    }

    @Test
    void eachBrokenInvariantIsFound() {
        Snapshot s = assembler.assemble(
                1,
                Instant.now(),
                List.of(
                        node(
                                "a",
                                3.0,
                                link("a", Link.OUTBOUND, true, 0.0, 0L, null),
                                link("b", Link.OUTBOUND, true, 3.0, 0L, "x"),
                                link("b", Link.OUTBOUND, false, 1.0, 5L, "x")),
                        node("b", 1.0, link(null, Link.INBOUND, true, 9.0, 10L, null))));
        List<String> found = SnapshotInvariants.of(s, List.of("a", "b", "c"));
        assertThat(found)
                .anyMatch(v -> v.contains("configured node c absent"))
                .anyMatch(v -> v.contains("link to itself"))
                .anyMatch(v -> v.contains("two links with identity"))
                .anyMatch(v -> v.contains("lag_seconds 3.0 but lag_bytes 0"))
                .anyMatch(v -> v.contains("without a peer"))
                .anyMatch(v -> v.contains("b: node lag 1.0 below its worst link's 9.0"));
    }

    @Test
    void versionsMustIncreaseAndAStandbyMayNotSilentlyLeaveItsUpstream() {
        SnapshotInvariants inv = new SnapshotInvariants(List.of("p", "s"));
        inv.check(published(assembler.assemble(
                5,
                Instant.now(),
                List.of(
                        node("p", 0.0, link("s", Link.OUTBOUND, true, 0.0, 0L, null)),
                        node("s", 0.0, link("p", Link.INBOUND, true, 0.0, 0L, null))))));
        assertThat(inv.violations()).isEmpty();
        inv.check(published(assembler.assemble(
                5,
                Instant.now(),
                List.of(node("p", 0.0), node("s", 0.0, link("p", Link.INBOUND, false, 0.0, 0L, null))))));
        assertThat(inv.violations())
                .anyMatch(v -> v.contains("version 5 after 5"))
                .anyMatch(v -> v.contains("p: standby s silently absent"));
        assertThatThrownBy(inv::assertNoViolation).isInstanceOf(AssertionError.class);
    }
}
