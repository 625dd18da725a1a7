package io.pgactive.tools.workflow.failover.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.workflow.failover.NodeControl;
import io.pgactive.tools.workflow.upgrade.Pinned;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pinned {@link JdbcNodeControl} on a real server: its login happens when it is pinned, not at the first statement
 * (a planned switchover pins before it holds the clients), every call goes over that one session, and a session the
 * node ended is replaced instead of being taken for an unreachable node (which would leave a primary writable).
 */
class PinnedNodeControlTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String OURS = "FROM pg_stat_activity WHERE application_name = 'pgactive-tools-upgrade'";

    @TempDir
    static Path dir;

    static PgCluster cluster;
    static PgNode node;
    static JdbcNodeControl control;

    @BeforeAll
    static void oneNode() {
        cluster = PgCluster.empty(dir);
        node = cluster.addNode("node1");
        control = new JdbcNodeControl(Map.of("node1", Dsn.parse(node.dsn())), Duration.ofSeconds(5));
    }

    @AfterAll
    static void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void thePinLogsInAtOnceAndEveryCallGoesOverThatSession() {
        try (Pinned<NodeControl> pin = control.pinned(List.of("node1"))) {
            assertThat(node.queryLong("SELECT count(*) " + OURS))
                    .as("sessions before any call")
                    .isEqualTo(1);
            long pid = node.queryLong("SELECT pid " + OURS);

            pin.port().currentLsn("node1");
            assertThat(pin.port().writable("node1")).isTrue();
            pin.port().synchronousStandbyNames("node1");

            assertThat(node.queryLong("SELECT count(*) " + OURS)).isEqualTo(1);
            assertThat(node.queryLong("SELECT pid " + OURS)).isEqualTo(pid);
        }
        await().atMost(WAIT).until(() -> node.queryLong("SELECT count(*) " + OURS) == 0);
    }

    @Test
    void aSessionTheNodeEndedIsReplacedAndTheNodeIsStillMadeReadOnly() {
        try (Pinned<NodeControl> pin = control.pinned(List.of("node1"))) {
            long pid = node.queryLong("SELECT pid " + OURS);
            // waits until the backend has exited
            node.execute("SELECT pg_terminate_backend(" + pid + ", 10000)");

            assertThat(pin.port().makeReadOnly("node1"))
                    .as("reached over a new session")
                    .isTrue();
            assertThat(node.queryString("SHOW default_transaction_read_only")).isEqualTo("on");

            pin.port().makeWritable("node1");
            await().atMost(WAIT).until(() -> "off".equals(node.queryString("SHOW default_transaction_read_only")));
        }
    }
}
