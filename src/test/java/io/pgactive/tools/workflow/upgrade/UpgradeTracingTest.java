package io.pgactive.tools.workflow.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingOptions;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Temporal's tracing interceptors, as the service installs them, make one trace of an upgrade: the client's start, the workflow's run, and a span
 * for each activity scheduled and run, all under the trace the start began.
 */
class UpgradeTracingTest {

    private static final String QUEUE = "upgrade-tracing";
    private static final String ID = RollingUpgrade.workflowId("node1");
    /** Soaks and a decommission delay of a millisecond: the upgrade runs to its end without an operator. */
    private static final UpgradePolicy UNATTENDED = new UpgradePolicy(
            1024 * 1024, 15 * 60_000L, 10_000L, 24 * 3_600_000L, 120_000L, 10_000L, 1L, 30_000L, 1L, 2_000);

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private SdkTracerProvider tracerProvider;
    private TestWorkflowEnvironment env;
    private UpgradeDouble ports;

    @BeforeEach
    void start() {
        tracerProvider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                .build();
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setTracerProvider(tracerProvider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        // as the service wires them: the Temporal extension's interceptors on a tracer shim over OpenTelemetry
        OpenTracingOptions tracing = OpenTracingOptions.newBuilder()
                .setTracer(OpenTracingShim.createTracerShim(otel))
                .build();
        env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(WorkflowClientOptions.newBuilder()
                        .setInterceptors(new OpenTracingClientInterceptor(tracing))
                        .build())
                .setWorkerFactoryOptions(WorkerFactoryOptions.newBuilder()
                        .setWorkerInterceptors(new OpenTracingWorkerInterceptor(tracing))
                        .build())
                .build());
        ports = new UpgradeDouble();
        Worker worker = env.newWorker(
                QUEUE,
                WorkerOptions.newBuilder()
                        .setDefaultDeadlockDetectionTimeout(
                                Duration.ofSeconds(30).toMillis())
                        .build());
        worker.registerWorkflowImplementationTypes(RollingUpgradeWorkflow.class, InitReplicationGroupWorkflow.class);
        worker.registerActivitiesImplementations(ports.activities());
        env.start();
    }

    @AfterEach
    void stop() {
        ports.releaseAll();
        env.close();
        tracerProvider.close();
    }

    @Test
    void theWorkflowAndEveryActivityOfAnUpgradeAreSpansOfTheTraceItsStartBegan() {
        WorkflowClient client = env.getWorkflowClient();
        RollingUpgrade upgrade = client.newWorkflowStub(
                RollingUpgrade.class,
                WorkflowOptions.newBuilder()
                        .setWorkflowId(ID)
                        .setTaskQueue(QUEUE)
                        .build());
        WorkflowClient.start(upgrade::run, new UpgradeInput(ID, RollingUpgradeWorkflowTest.REQUEST, UNATTENDED, null));
        UpgradeProgress end = WorkflowStub.fromTyped(upgrade).getResult(UpgradeProgress.class);
        assertThat(end.phase()).isEqualTo(UpgradePhase.COMPLETED);

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData started = spans.stream()
                .filter(s -> s.getName().equals("StartWorkflow:RollingUpgrade"))
                .findFirst()
                .orElseThrow();
        List<SpanData> inWorker = spans.stream()
                .filter(s -> s.getName().startsWith("RunWorkflow:")
                        || s.getName().startsWith("RunActivity:")
                        || s.getName().startsWith("StartActivity:"))
                .toList();
        Map<String, Set<String>> traceIdsByName = inWorker.stream()
                .collect(Collectors.groupingBy(
                        SpanData::getName, Collectors.mapping(SpanData::getTraceId, Collectors.toSet())));
        assertThat(traceIdsByName)
                .containsKeys(
                        "RunWorkflow:RollingUpgrade",
                        "RunWorkflow:InitReplicationGroup",
                        "RunActivity:ValidateInput",
                        "RunActivity:ProvisionTargetDB",
                        "RunActivity:WaitForSync",
                        "RunActivity:TrafficShiftPhase",
                        "RunActivity:Cutover",
                        "RunActivity:DecommissionSource",
                        "RunActivity:RecordUpgradeDecision");
        assertThat(traceIdsByName.values().stream().flatMap(Set::stream).collect(Collectors.toSet()))
                .as("trace ids of the workflow's and activities' spans")
                .containsExactly(started.getTraceId());
    }
}
