package io.pgactive.tools.api;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import java.nio.file.Path;
import java.util.Map;

/** Two real PostgreSQL nodes and a tools.yaml naming them, for @QuarkusTest classes. */
public class ClusterResource extends ServiceTestResource {

    static volatile PgCluster cluster;

    @Override
    protected String name() {
        return "api-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.standalone(2, dir.resolve("cluster")));
        Path config = ServiceConfig.write(dir, cluster.nodes(), "interval: 500ms\nbackoff_max: 1s\n");
        return Map.of("pgactive.tools.config", config.toString());
    }
}
