package io.pgactive.tools.metrics;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** The replicating demo cluster (logical pair + physical standby, pgactive fixture on node1) behind a @QuarkusTest. */
public class DemoClusterResource extends ServiceTestResource {

    static volatile PgCluster cluster;

    @Override
    protected String name() {
        return "metrics-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.demo(dir.resolve("cluster")));
        PgNode node1 = cluster.node("node1");
        node1.installPgactiveFixture("7200000000000000001", "node1")
                .insertConflict("update_delete", "skip_change", "public", "app_events", Instant.now());
        // a configured gate gives the guard's series (unknown values: no Temporal here) to the metric lint
        Path config = ServiceConfig.write(
                dir,
                cluster.nodes(),
                "interval: 500ms\n",
                "guard:\n  gates:\n"
                        + "    - { name: app, node: node1, pgbouncer: \"postgres://admin@127.0.0.1:6432/pgbouncer\", database: postgres }\n"
                        // and an upgrade route the upgrade's series (unknown until an upgrade runs)
                        + "upgrade:\n  routes:\n"
                        + "    - { name: app, node: node1, haproxy: { admin: /nonexistent/haproxy.sock, backend: pg,"
                        + " source_server: node1, target_server: upgrade } }\n");
        return Map.of("pgactive.tools.config", config.toString());
    }
}
