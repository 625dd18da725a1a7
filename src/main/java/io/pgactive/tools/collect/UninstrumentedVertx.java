package io.pgactive.tools.collect;

import io.vertx.core.impl.VertxInternal;
import io.vertx.core.impl.VertxWrapper;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.tracing.VertxTracer;

/**
 * The service's Vert.x as the scrape's connection pools see it: the same event loops, without the metrics and tracing
 * SPIs. The SQL client asks its Vert.x for both per pool and, when either is present, times every statement into
 * Micrometer and hands it to the tracer. A scrape runs about ten statements per node per cycle, and that bookkeeping
 * was a fifth of the event loop's time; the collector's own meters and spans (per cycle and per node) say what
 * operators need.
 */
final class UninstrumentedVertx extends VertxWrapper {

    UninstrumentedVertx(VertxInternal delegate) {
        super(delegate);
    }

    @Override
    public boolean isMetricsEnabled() {
        return false;
    }

    @Override
    public VertxMetrics metricsSPI() {
        return null;
    }

    @Override
    public VertxTracer tracer() {
        return null;
    }
}
