package io.pgactive.tools.workflow;

import io.pgactive.tools.testing.PgBouncerProcess;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A node behind PgBouncer and a guard configured for it, with the Temporal target pointing at a port where nothing
 * listens yet: the test starts Temporal there when it chooses.
 */
public class LateTemporalResource extends ServiceTestResource {

    static final String TOKEN = "late-test-token";
    static final String GATE = "billing";

    static volatile PgCluster cluster;
    static volatile PgBouncerProcess bouncer;
    static volatile int temporalPort;
    static volatile TemporalTestServer temporal;

    @Override
    protected String name() {
        return "late-temporal-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.standalone(1, dir.resolve("cluster")));
        PgNode node = cluster.node("node1");
        bouncer = closeOnStop(PgBouncerProcess.start(node));
        temporalPort = TemporalTestServer.reservePort();
        // the server the test starts later is closed first
        closeOnStop(() -> {
            if (temporal != null) {
                temporal.close();
            }
        });
        String guard = "guard:\n  token: " + TOKEN + "\n  gates:\n"
                + "    - { name: " + GATE + ", node: node1, pgbouncer: \"" + bouncer.adminDsn() + "\", database: "
                + PgNode.DATABASE + " }\n";
        Path config = ServiceConfig.write(dir, List.of(node), "interval: 500ms\nbackoff_max: 1s\n", guard);
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.tools.temporal.enabled",
                "true",
                "quarkus.temporal.connection.target",
                "127.0.0.1:" + temporalPort);
    }

    static synchronized void startTemporal() {
        temporal = TemporalTestServer.start(temporalPort);
    }
}
