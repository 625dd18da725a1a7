package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.SlowLoginProxy;
import io.pgactive.tools.testing.StandaloneCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A login that takes longer than the node deadline (a slow link, or a server authenticating hundreds of monitor
 * connections at start-up) must be finished and used by the next scrape, not thrown away and started again: a
 * monitor that restarts every login at its deadline never reads such a node at all.
 */
class SlowLoginTest {

    private static final Duration DEADLINE = Duration.ofMillis(400);
    /**
     * Longer than one attempt can last even when the service's own stall earns it a second deadline (the attempt
     * then ends by 2 deadlines, the interval being 1 s), so the first scrape always finds the login under way.
     */
    private static final Duration LOGIN = DEADLINE.multipliedBy(5).dividedBy(2);

    @RegisterExtension
    static final StandaloneCluster pg = new StandaloneCluster();

    @Test
    void aLoginSlowerThanTheDeadlineIsCarriedIntoTheNextScrape() throws Exception {
        PgNode node = pg.node();
        try (SlowLoginProxy proxy = new SlowLoginProxy(node.port(), LOGIN);
                CollectorHarness h = new CollectorHarness(
                        pg.dir().resolve("svc"),
                        "interval: 1s\ntimeout: " + DEADLINE.toMillis() + "ms\n",
                        List.of(node),
                        // without TLS a login is one connection (with sslmode=prefer a refused TLS request is a
                        // second one, which would double the delay)
                        Map.of(
                                "node1",
                                node.dsn().replace(":" + node.port() + "/", ":" + proxy.port() + "/")
                                        + "?sslmode=disable"))) {
            NodeState first = h.node("node1");
            assertThat(first.errorClass()).isEqualTo("timeout");
            assertThat(first.error()).contains("still logging in");

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> h.node("node1").status() == NodeStatus.HEALTHY);
            // the login begun by the first scrape was the one used: no second connection was opened
            assertThat(proxy.accepted()).isEqualTo(1);
        }
    }
}
