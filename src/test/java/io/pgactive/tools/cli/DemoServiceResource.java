package io.pgactive.tools.cli;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The replicating demo cluster behind the service, with a low lag warning threshold so a paused subscription makes
 * a real warning within seconds, and one pgactive conflict in the ledger.
 */
public class DemoServiceResource extends ServiceTestResource {

    static volatile PgCluster cluster;

    @Override
    protected String name() {
        return "cli-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.demo(dir.resolve("cluster")));
        cluster.node("node1")
                .installPgactiveFixture("7200000000000000001", "node1")
                .insertConflict("update_delete", "skip_change", "public", "app_events", Instant.now());
        Path config = ServiceConfig.write(
                dir,
                cluster.nodes(),
                "interval: 500ms\nbackoff_max: 1s\n",
                "thresholds: { lag_seconds_warn: 1, lag_seconds_crit: 3600 }\n");
        return Map.of("pgactive.tools.config", config.toString());
    }
}
