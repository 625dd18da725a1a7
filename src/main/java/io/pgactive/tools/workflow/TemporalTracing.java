package io.pgactive.tools.workflow;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.quarkus.arc.Unremovable;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingOptions;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * Temporal's tracing interceptors on the service's OpenTelemetry: the client starts a span for each workflow it starts,
 * signals or queries and carries its context in the workflow's headers, and the worker continues that trace with a span
 * for the workflow run and one for each activity it schedules and runs, so an upgrade and its steps read as one trace.
 * The interceptors speak OpenTracing, bridged by OpenTelemetry's shim; with the SDK off (no collector configured) the
 * tracer is a no-op and so are they.
 */
@ApplicationScoped
public class TemporalTracing {

    private final OpenTracingOptions options;

    TemporalTracing(OpenTelemetry openTelemetry) {
        this.options = options(openTelemetry);
    }

    static OpenTracingOptions options(OpenTelemetry openTelemetry) {
        return OpenTracingOptions.newBuilder().setTracer(OpenTracingShim.createTracerShim(openTelemetry)).build();
    }

    /** For the worker this service hosts. */
    public WorkerInterceptor workerInterceptor() {
        return new OpenTracingWorkerInterceptor(options);
    }

    /** Picked up by the Temporal extension for the client it builds (looked up dynamically, hence unremovable). */
    @Produces
    @ApplicationScoped
    @Unremovable
    WorkflowClientInterceptor clientInterceptor() {
        return new OpenTracingClientInterceptor(options);
    }

    /** The same pair for a client and worker built by hand, as tests do. */
    public static WorkflowClientInterceptor clientInterceptorFor(OpenTelemetry openTelemetry) {
        return new OpenTracingClientInterceptor(options(openTelemetry));
    }

    public static WorkerInterceptor workerInterceptorFor(OpenTelemetry openTelemetry) {
        return new OpenTracingWorkerInterceptor(options(openTelemetry));
    }
}
