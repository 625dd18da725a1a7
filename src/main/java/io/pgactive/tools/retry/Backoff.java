package io.pgactive.tools.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next attempt after a run of failures: {@code first}, then twice that after every further
 * failure, never more than {@code max}. The jittered form spreads the wait over its upper half, so that nodes (or
 * services) that failed together do not all come back in the same instant and fail together again.
 *
 * <p>The count of failures belongs to the caller (a node's streak, a writer's retries): this value only says how long.
 * Retries of a single {@code Uni} should use Mutiny's {@code onFailure().retry().withBackOff(first, max)} instead.
 */
public record Backoff(Duration first, Duration max) {

    /** Beyond this many doublings every sensible {@code first} has long passed every sensible {@code max}. */
    private static final int MAX_DOUBLINGS = 30;

    public Backoff {
        if (first.isNegative() || first.isZero() || max.isNegative() || max.isZero()) {
            throw new IllegalArgumentException("back-off durations must be positive: first " + first + ", max " + max);
        }
    }

    /** The wait after the {@code retry}-th consecutive failure counted from 0: {@code min(max, first * 2^retry)}. */
    public Duration delay(int retry) {
        long doubled = first.toMillis() << Math.min(MAX_DOUBLINGS, Math.max(0, retry));
        return Duration.ofMillis(Math.min(max.toMillis(), doubled));
    }

    /** {@link #delay(int)} scaled by a random factor in [0.5, 1). */
    public Duration jittered(int retry) {
        return jittered(retry, ThreadLocalRandom.current().nextDouble());
    }

    /** {@link #delay(int)} scaled by {@code 0.5 + random / 2}, for {@code random} in [0, 1). */
    public Duration jittered(int retry, double random) {
        return Duration.ofMillis((long) (delay(retry).toMillis() * (0.5 + random * 0.5)));
    }
}
