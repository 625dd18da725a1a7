package io.pgactive.tools.api.watch;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Fifty real nodes (so a snapshot is far larger than one message) and a watch tuned for short tests. */
public class WatchClusterResource implements QuarkusTestResourceLifecycleManager {

    static final int NODES = 50;
    static volatile PgCluster cluster;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("watch-test");
            cluster = PgCluster.standalone(NODES, dir.resolve("cluster"));
            StringBuilder yaml = new StringBuilder("collector:\n  interval: 400ms\n  backoff_max: 1s\n  nodes:\n");
            for (PgNode n : cluster.nodes()) {
                yaml.append("    - { name: ").append(n.name()).append(", dsn: \"").append(n.dsn()).append("\" }\n");
            }
            yaml.append("database:\n  path: ").append(dir.resolve("data/replication_state.db")).append('\n');
            Path config = dir.resolve("tools.yaml");
            Files.writeString(config, yaml);
            return Map.of("pgactive.tools.config", config.toString(),
                    "pgactive.watch.heartbeat", "200ms",
                    "pgactive.watch.window", "10",
                    "pgactive.watch.subscriber-buffer", "4",
                    "pgactive.watch.slow-timeout", "5s",
                    "pgactive.watch.max-subscribers", "12",
                    "test.http.send-buffer", "8192");
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
