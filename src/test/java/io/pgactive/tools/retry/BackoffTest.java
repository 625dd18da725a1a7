package io.pgactive.tools.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    @Test
    void doublesFromFirstUpToMax() {
        assertThat(backoff.delay(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(4)).isEqualTo(Duration.ofSeconds(16));
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff.delay(1_000)).as("no overflow after a long outage").isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff.delay(-1)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aFirstDelayAboveMaxIsCapped() {
        assertThat(new Backoff(Duration.ofSeconds(2), Duration.ofMillis(100)).delay(0))
                .isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void jitterSpreadsOverTheUpperHalf() {
        assertThat(backoff.jittered(2, 0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.jittered(2, 0.5)).isEqualTo(Duration.ofSeconds(3));
        assertThat(backoff.jittered(2, 0.999_999))
                .isLessThan(Duration.ofSeconds(4))
                .isGreaterThan(Duration.ofMillis(3_990));
        for (int i = 0; i < 100; i++) {
            assertThat(backoff.jittered(10)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
        }
    }

    @Test
    void durationsMustBePositive() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
                .hasMessageContaining("positive");
    }
}
