package io.pgactive.tools.sdk.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.contract.temporal.LagCondition;
import io.pgactive.tools.contract.temporal.LagSummary;
import io.pgactive.tools.contract.temporal.ReplicationActivities;
import io.pgactive.tools.sdk.ReplicationStateClient;
import io.quarkiverse.temporal.TemporalWorkflow;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker outside the service, as another team runs one: a tiny workflow calls {@code FetchReplicationSnapshot} and
 * {@code AwaitReplicationCaughtUp}, implemented by the SDK's {@code HttpReplicationActivities} against the running service and
 * its real primary and streaming standby.
 */
@QuarkusTest
@QuarkusTestResource(value = StandbyClusterResource.class, restrictToAnnotatedClass = true)
class HttpReplicationActivitiesTest {

    private static final String QUEUE = "remote-worker";

    /** What the workflow saw: the snapshot it fetched first, and the one in which the standby had caught up. */
    public record Seen(LagSummary fetched, LagSummary caughtUp) {}

    @WorkflowInterface
    public interface CatchUpWorkflow {
        @WorkflowMethod
        Seen run(String node, int attempts);
    }

    // in no worker of the Temporal extension: @QuarkusTest applications index the test classes too, and the extension
    // would build a worker for it, and with it the Temporal client, at every start (TemporalDisabledTest)
    @TemporalWorkflow(workers = {})
    public static class CatchUpWorkflowImpl implements CatchUpWorkflow {
        @Override
        public Seen run(String node, int attempts) {
            ReplicationActivities replication = Workflow.newActivityStub(
                    ReplicationActivities.class,
                    ActivityOptions.newBuilder()
                            .setStartToCloseTimeout(Duration.ofMinutes(3))
                            .setHeartbeatTimeout(Duration.ofSeconds(15))
                            .setRetryOptions(RetryOptions.newBuilder()
                                    .setMaximumAttempts(attempts)
                                    .build())
                            .build());
            LagSummary fetched = replication.fetchReplicationSnapshot();
            LagSummary caughtUp = replication.awaitCaughtUp(new LagCondition(List.of(node), 5.0, 1_500));
            return new Seen(fetched, caughtUp);
        }
    }

    @TestHTTPResource("/")
    URI service;

    private TestWorkflowEnvironment env;

    @BeforeEach
    void startTemporal() {
        env = TestWorkflowEnvironment.newInstance();
    }

    @AfterEach
    void stopTemporal() {
        env.close();
    }

    private CatchUpWorkflow workflowAgainst(URI base) {
        Worker worker = env.newWorker(QUEUE);
        worker.registerWorkflowImplementationTypes(CatchUpWorkflowImpl.class);
        ReplicationStateClient client = ReplicationStateClient.builder(base)
                .requestTimeout(Duration.ofSeconds(5))
                .build();
        worker.registerActivitiesImplementations(remoteActivities(client, Duration.ofMillis(200)));
        env.start();
        WorkflowClient workflows = env.getWorkflowClient();
        return workflows.newWorkflowStub(
                CatchUpWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).build());
    }

    /**
     * {@code new HttpReplicationActivities(client, poll)}: the class is compiled apart from the service's classes
     * (target/sdk-classes, see pom.xml) and so is on the test's run-time classpath but not its compile classpath.
     */
    private static ReplicationActivities remoteActivities(ReplicationStateClient client, Duration poll) {
        try {
            return (ReplicationActivities) Class.forName("io.pgactive.tools.sdk.temporal.HttpReplicationActivities")
                    .getConstructor(ReplicationStateClient.class, Duration.class)
                    .newInstance(client, poll);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the SDK's remote-worker activities are not on the classpath", e);
        }
    }

    @Test
    void aRemoteWorkerFetchesTheSnapshotAndWaitsForTheStandby() {
        // retries cover the first scrape cycle, which the service answers with 503 until it has finished
        Seen seen = workflowAgainst(service).run(StandbyClusterResource.STANDBY, 30);

        assertThat(seen.fetched().version()).isPositive();
        assertThat(seen.fetched().nodes())
                .extracting(LagSummary.NodeLag::node)
                .containsExactlyInAnyOrder("node1", StandbyClusterResource.STANDBY);
        LagSummary done = seen.caughtUp();
        assertThat(done.version()).isGreaterThanOrEqualTo(seen.fetched().version());
        assertThat(done.nodes())
                .filteredOn(n -> n.node().equals(StandbyClusterResource.STANDBY))
                .singleElement()
                .satisfies(n -> assertThat(n.lagSeconds()).isNotNull().isLessThan(5.0));
        assertThat(done.caughtUp(List.of(StandbyClusterResource.STANDBY), 5.0)).isTrue();
    }

    @Test
    void anUnreachableServiceIsARetryableFailureNamedAsSuch() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CatchUpWorkflow workflow = workflowAgainst(URI.create("http://127.0.0.1:" + closedPort));

        assertThatThrownBy(() -> workflow.run(StandbyClusterResource.STANDBY, 1))
                .isInstanceOf(WorkflowFailedException.class)
                .cause()
                .isInstanceOf(ActivityFailure.class)
                .cause()
                .isInstanceOfSatisfying(ApplicationFailure.class, f -> {
                    assertThat(f.getType()).isEqualTo("ServiceUnreachable");
                    assertThat(f.isNonRetryable()).isFalse();
                });
    }
}
