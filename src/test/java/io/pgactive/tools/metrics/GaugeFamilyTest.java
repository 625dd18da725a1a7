package io.pgactive.tools.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class GaugeFamilyTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Tags a = Tags.of("node", "a");
    private final Tags b = Tags.of("node", "b");

    @Test
    void aSeriesIsRegisteredOnceAndUpdatedInPlace() {
        GaugeFamily lag = GaugeFamily.of(registry, "lag", "help", "seconds");
        lag.beginRound();
        lag.set(a, 1.5);
        lag.endRound();
        Gauge first = registry.get("lag").tags(a).gauge();

        lag.beginRound();
        lag.set(a, 7);
        lag.endRound();

        assertThat(registry.get("lag").tags(a).gauge()).isSameAs(first);
        assertThat(first.value()).isEqualTo(7.0);
        assertThat(first.getId().getBaseUnit()).isEqualTo("seconds");
    }

    @Test
    void aSeriesNotSetInARoundLeavesTheRegistryAndCanComeBack() {
        GaugeFamily up = GaugeFamily.of(registry, "up", "help", null);
        up.beginRound();
        up.set(a, true);
        up.set(b, false);
        up.endRound();
        assertThat(registry.find("up").gauges()).hasSize(2);
        assertThat(registry.get("up").tags(b).gauge().value()).isZero();

        up.beginRound();
        up.set(a, true);
        up.set(b, (Number) null); // a value the snapshot does not have is no series, not a stale one
        up.endRound();
        assertThat(registry.find("up").gauges())
                .extracting(g -> g.getId().getTag("node"))
                .containsExactly("a");

        up.beginRound();
        up.set(b, true);
        up.endRound();
        assertThat(registry.find("up").gauges())
                .extracting(g -> g.getId().getTag("node"))
                .containsExactly("b");
        assertThat(registry.get("up").tags(b).gauge().value()).isEqualTo(1.0);

        up.clear();
        assertThat(registry.find("up").gauges()).isEmpty();
    }

    @Test
    void anAgeSeriesCountsFromItsInstantAtEachRead() {
        GaugeFamily age = GaugeFamily.ageOf(registry, "age", "help");
        age.beginRound();
        age.set(a, System.currentTimeMillis() - 90_000);
        age.endRound();
        assertThat(registry.get("age").tags(a).gauge().value()).isBetween(90.0, 3_600.0);
    }
}
