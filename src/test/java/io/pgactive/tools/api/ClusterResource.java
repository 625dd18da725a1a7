package io.pgactive.tools.api;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
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
            StringBuilder yaml = new StringBuilder("collector:\n  interval: 500ms\n  backoff_max: 1s\n  nodes:\n");
            for (PgNode n : cluster.nodes()) {
                yaml.append("    - { name: ").append(n.name()).append(", dsn: \"").append(n.dsn()).append("\" }\n");
            }
            yaml.append("database:\n  path: ").append(dir.resolve("data/replication_state.db")).append('\n');
            Path config = dir.resolve("tools.yaml");
            Files.writeString(config, yaml);
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
