package io.pgactive.tools.testing;

import static io.pgactive.tools.testing.PgCluster.SUB_NODE1_FROM_NODE2;
import static io.pgactive.tools.testing.PgCluster.SUB_NODE2_FROM_NODE1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogicalReplicationTest {

    @TempDir
    static Path dir;

    static PgCluster cluster;
    static PgNode n1;
    static PgNode n2;
    static PgNode n3;

    @BeforeAll
    static void setUp() {
        cluster = PgCluster.demo(dir);
        n1 = cluster.node("node1");
        n2 = cluster.node("node2");
        n3 = cluster.node("node3");
    }

    @AfterAll
    static void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void demoClusterShape() {
        assertTrue(n3.isStandby());
        assertTrue(n3.inRecovery());
        assertEquals(
                "streaming", n1.queryString("SELECT state FROM pg_stat_replication WHERE application_name = 'node3'"));
        assertEquals(2, n1.queryLong("SELECT count(*) FROM pg_replication_slots"));
    }

    @Test
    void bidirectionalReplicationWithoutLoops() {
        PgCluster.insertEvent(n1, "from-1");
        PgCluster.insertEvent(n2, "from-2");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> n1.queryLong("SELECT count(*) FROM app_events WHERE payload IN ('from-1', 'from-2')") == 2
                        && n2.queryLong("SELECT count(*) FROM app_events WHERE payload IN ('from-1', 'from-2')") == 2);
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        n3.queryLong("SELECT count(*) FROM app_events WHERE payload IN ('from-1', 'from-2')") == 2);
        assertEquals(1, n1.queryLong("SELECT count(*) FROM app_events WHERE payload = 'from-2' AND node = 'node2'"));
        assertEquals(1, n2.queryLong("SELECT count(*) FROM app_events WHERE payload = 'from-1' AND node = 'node1'"));
        // origin = none: a row applied from the peer is not sent back, so the slots drain and counts stay equal
        await().atMost(Duration.ofSeconds(30))
                .until(() -> n1.slotLagBytes(SUB_NODE2_FROM_NODE1) == 0 && n2.slotLagBytes(SUB_NODE1_FROM_NODE2) == 0);
        assertEquals(n1.queryLong("SELECT count(*) FROM app_events"), n2.queryLong("SELECT count(*) FROM app_events"));
        assertEquals(1, n1.queryLong("SELECT count(*) FROM app_events WHERE payload = 'from-1'"));
    }

    @Test
    void disabledSubscriptionLetsSlotLagGrowUntilReEnabled() {
        n2.disableSubscription(SUB_NODE2_FROM_NODE1);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> !n1.slotActive(SUB_NODE2_FROM_NODE1));
            long before = n1.slotLagBytes(SUB_NODE2_FROM_NODE1);
            n1.execute("INSERT INTO app_events (payload) SELECT 'bulk-' || g FROM generate_series(1, 500) g");
            long after = n1.slotLagBytes(SUB_NODE2_FROM_NODE1);
            assertTrue(after > before + 10_000, "slot lag grew from " + before + " to " + after);
            assertFalse(n1.slotActive(SUB_NODE2_FROM_NODE1));
        } finally {
            n2.enableSubscription(SUB_NODE2_FROM_NODE1);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> n1.slotLagBytes(SUB_NODE2_FROM_NODE1) == 0);
        assertEquals(500, n2.queryLong("SELECT count(*) FROM app_events WHERE payload LIKE 'bulk-%'"));
    }
}
