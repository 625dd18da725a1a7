package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.pgactive.tools.api.ClusterResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Without an exporter the tracing SDK is disabled, yet Quarkus's tracer would still build and drop a span per cycle and
 * per node: with tracing off, the scrape's spans record nothing.
 */
@QuarkusTest
@QuarkusTestResource(value = ClusterResource.class, restrictToAnnotatedClass = true)
class ScrapeTracingOffTest {

    @Inject
    CollectorService service;

    @Test
    void scrapeSpansRecordNothingWhileTracingIsOff() {
        Span span = service.scrapeTracer().spanBuilder("scrape cycle").startSpan();
        try {
            assertThat(span.isRecording()).isFalse();
        } finally {
            span.end();
        }
    }
}
