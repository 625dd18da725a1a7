package io.pgactive.tools.workflow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import io.pgactive.tools.workflow.upgrade.RollingUpgrade;
import io.pgactive.tools.workflow.upgrade.UpgradeInput;
import io.pgactive.tools.workflow.upgrade.UpgradePolicy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Temporal SDK's own series on the service's {@code /q/metrics}: a workflow run through the hosted worker (an
 * upgrade of a node nobody configured, which its first activity refuses) shows up in the worker, workflow and activity
 * series, next to the service's own.
 */
@QuarkusTest
@QuarkusTestResource(value = TemporalMetricsTest.OneNodeAndTemporal.class, restrictToAnnotatedClass = true)
class TemporalMetricsTest {

    /** One node to watch and Temporal's test server. */
    public static class OneNodeAndTemporal extends ServiceTestResource {
        @Override
        protected String name() {
            return "temporal-metrics";
        }

        @Override
        protected Map<String, String> start(Path dir) {
            PgCluster cluster = closeOnStop(PgCluster.standalone(1, dir.resolve("cluster")));
            TemporalTestServer temporal = closeOnStop(TemporalTestServer.start(0));
            Path config = ServiceConfig.write(dir, List.of(cluster.node("node1")), "interval: 1s\nbackoff_max: 1s\n");
            return Map.of(
                    "pgactive.tools.config",
                    config.toString(),
                    "pgactive.tools.temporal.enabled",
                    "true",
                    "quarkus.temporal.connection.target",
                    temporal.target(),
                    // the SDK's scope reports to the registry on this period
                    "quarkus.temporal.metrics.report.duration",
                    "1s");
        }
    }

    @Inject
    TemporalWorker worker;

    @Inject
    Instance<WorkerInterceptor> workerInterceptors;

    @Test
    void aWorkflowRunThroughTheHostedWorkerShowsInTheTemporalSeries() throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> worker.state().connection() == TemporalWorker.Connection.CONNECTED);
        String id = "metrics-probe-" + System.nanoTime();
        RollingUpgrade upgrade = worker.client()
                .newWorkflowStub(
                        RollingUpgrade.class,
                        WorkflowOptions.newBuilder()
                                .setWorkflowId(id)
                                .setTaskQueue(worker.taskQueue())
                                .build());
        WorkflowClient.start(
                upgrade::run,
                new UpgradeInput(
                        id,
                        new UpgradeRequest("nowhere", 18, List.of(50), List.of("public.*"), null, Map.of()),
                        UpgradePolicy.DEFAULT,
                        null));
        UpgradeProgress end = WorkflowStub.fromTyped(upgrade).getResult(60, TimeUnit.SECONDS, UpgradeProgress.class);
        assertThat(end.phase()).isEqualTo(UpgradePhase.FAILED);

        Set<String> wanted = Set.of(
                "temporal_workflow_completed_total",
                "temporal_workflow_endtoend_latency_seconds_count",
                "temporal_workflow_task_execution_latency_seconds_count",
                "temporal_activity_execution_failed_total",
                "temporal_activity_execution_latency_seconds_count",
                "temporal_worker_start_total",
                "temporal_num_pollers",
                "temporal_request_total");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Set<String> exported = new TreeSet<>();
                    Matcher m = Pattern.compile("(?m)^(temporal_\\w+)\\{([^}]*)}")
                            .matcher(given().get("/q/metrics").asString());
                    while (m.find()) {
                        if (!m.group(1).startsWith("temporal_workflow")
                                        && !m.group(1).startsWith("temporal_activity")
                                || m.group(2).contains("workflow_type=\"RollingUpgrade\"")) {
                            exported.add(m.group(1));
                        }
                    }
                    assertThat(exported).as("Temporal series for the run").containsAll(wanted);
                });
    }

    @Test
    void theClientAndTheWorkerCarryTemporalsTracingInterceptors() {
        // the service makes these itself (TemporalTracing), with the client, rather than the extension at every start
        assertThat(worker.client().getOptions().getInterceptors())
                .hasSize(1)
                .hasOnlyElementsOfType(OpenTracingClientInterceptor.class);
        assertThat(workerInterceptors.stream().toList())
                .hasSize(1)
                .hasOnlyElementsOfType(OpenTracingWorkerInterceptor.class);
    }
}
