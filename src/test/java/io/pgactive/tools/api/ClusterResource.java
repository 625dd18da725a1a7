package io.pgactive.tools.api;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Two real PostgreSQL nodes and a tools.yaml naming them, for @QuarkusTest classes. */
public class ClusterResource implements QuarkusTestResourceLifecycleManager {

    static volatile PgCluster cluster;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("api-test");
            cluster = PgCluster.standalone(2, dir.resolve("cluster"));
            Path config = ServiceConfig.write(dir, cluster.nodes(), "interval: 500ms\nbackoff_max: 1s\n");
            return Map.of("pgactive.tools.config", config.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
