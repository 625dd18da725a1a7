package io.pgactive.tools.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * One gauge name whose series follow the snapshot: a series is registered the first time it is set, updated in place
 * afterwards, and removed after a round in which it was not set. Registering a meter costs far more than setting a
 * number, and a snapshot changes values every cycle but its set of series rarely; Micrometer's {@code MultiGauge}
 * would re-register every row every cycle.
 *
 * <p>Not thread-safe: its owner updates it from one thread at a time, between {@link #beginRound()} and
 * {@link #endRound()}. The registry reads the values from its own thread, hence the volatile field.
 */
final class GaugeFamily {

    private static final class Series {
        volatile double value;
        long round;
        Gauge gauge;
    }

    private final MeterRegistry registry;
    private final String name;
    private final String help;
    private final String unit;
    private final DoubleUnaryOperator exposed;
    private final Map<Tags, Series> series = new HashMap<>();
    private long round;

    private GaugeFamily(MeterRegistry registry, String name, String help, String unit, DoubleUnaryOperator exposed) {
        this.registry = registry;
        this.name = name;
        this.help = help;
        this.unit = unit;
        this.exposed = exposed;
    }

    /** Series that expose the value they are set to. */
    static GaugeFamily of(MeterRegistry registry, String name, String help, String unit) {
        return new GaugeFamily(registry, name, help, unit, DoubleUnaryOperator.identity());
    }

    /** Series set to an epoch-millisecond instant that expose the seconds elapsed since it, as of each scrape. */
    static GaugeFamily ageOf(MeterRegistry registry, String name, String help) {
        return new GaugeFamily(registry, name, help, "seconds", at -> (System.currentTimeMillis() - at) / 1000.0);
    }

    void beginRound() {
        round++;
    }

    /** Sets the series of {@code tags}; a null value leaves it out of this round (and so removes it). */
    void set(Tags tags, Number value) {
        if (value == null) {
            return;
        }
        Series s = series.get(tags);
        if (s == null) {
            s = new Series();
            Gauge.Builder<Series> b = Gauge.builder(name, s, held -> exposed.applyAsDouble(held.value))
                    .description(help)
                    .tags(tags);
            if (unit != null) {
                b.baseUnit(unit);
            }
            s.gauge = b.register(registry);
            series.put(tags, s);
        }
        s.value = value.doubleValue();
        s.round = round;
    }

    void set(Tags tags, boolean value) {
        set(tags, value ? 1 : 0);
    }

    /** Removes the series that were not set since {@link #beginRound()}. */
    void endRound() {
        for (Iterator<Series> it = series.values().iterator(); it.hasNext(); ) {
            Series s = it.next();
            if (s.round != round) {
                registry.remove(s.gauge);
                it.remove();
            }
        }
    }

    /** Removes every series (the owner is going away, the registry may not). */
    void clear() {
        series.values().forEach(s -> registry.remove(s.gauge));
        series.clear();
    }
}
