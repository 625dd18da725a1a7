package io.pgactive.tools.workflow;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.quarkus.arc.Unremovable;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingOptions;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Temporal's tracing interceptors for the client and the hosted worker, on the service's OpenTelemetry through the
 * OpenTracing shim (so an upgrade started over the API is one trace with its workflow runs and activities). The Temporal
 * extension can install the same interceptors itself, but its binding builds the OpenTelemetry SDK and the shim at
 * every start, even with the worker disabled; these are created with the client or the worker, which only exist when
 * the worker is enabled. With tracing off (no OTLP endpoint) OpenTelemetry is a no-op and so are they.
 */
@Singleton
class TemporalTracing {

    @Produces
    @Singleton
    @Unremovable
    WorkflowClientInterceptor clientTracing(OpenTelemetry openTelemetry) {
        return new OpenTracingClientInterceptor(options(openTelemetry));
    }

    @Produces
    @Singleton
    @Unremovable
    WorkerInterceptor workerTracing(OpenTelemetry openTelemetry) {
        return new OpenTracingWorkerInterceptor(options(openTelemetry));
    }

    private static OpenTracingOptions options(OpenTelemetry openTelemetry) {
        return OpenTracingOptions.newBuilder()
                .setTracer(OpenTracingShim.createTracerShim(openTelemetry))
                .build();
    }
}
