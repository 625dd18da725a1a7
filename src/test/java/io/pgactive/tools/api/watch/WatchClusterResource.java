package io.pgactive.tools.api.watch;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import java.nio.file.Path;
import java.util.Map;

/**
 * Twenty real nodes (so a snapshot is far larger than one message) and a watch tuned for short tests. Sized for a
 * loaded 2-core machine: a 1 s interval leaves every node's first scrape on a cold JVM time to connect.
 */
public class WatchClusterResource extends ServiceTestResource {

    static final int NODES = 20;
    static volatile PgCluster cluster;
    /** The service's history database, for tests that take versions out of it as retention or thinning would. */
    static volatile Path database;

    @Override
    protected String name() {
        return "watch-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.standalone(NODES, dir.resolve("cluster")));
        Path config = ServiceConfig.write(dir, cluster.nodes(), "interval: 1s\nbackoff_max: 2s\n");
        database = dir.resolve("data/replication_state.db");
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.watch.heartbeat",
                "200ms",
                "pgactive.watch.window",
                "10",
                "pgactive.watch.subscriber-buffer",
                "4",
                "pgactive.watch.slow-timeout",
                "10s", // long enough for a loaded machine to start reading after a reset
                "pgactive.watch.max-subscribers",
                "12",
                "test.http.send-buffer",
                "8192");
    }
}
