package io.pgactive.tools.api;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A service that may upgrade node1 (it has an upgrade route), with
 * Temporal's test server on loopback. The provisioner has no binaries for any version: an upgrade started here stops
 * at provisioning at the latest, which is all the API tests need.
 */
public class UpgradeClusterResource extends ServiceTestResource {

    static final String TOKEN = "upgrade-test-token";

    @Override
    protected String name() {
        return "upgrade-api-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        PgCluster cluster = closeOnStop(PgCluster.standalone(1, dir.resolve("cluster")));
        PgNode node1 = cluster.node("node1");
        TemporalTestServer temporal = closeOnStop(TemporalTestServer.start(0));
        String upgrade = "upgrade:\n"
                + "  token: " + TOKEN + "\n"
                + "  routes:\n"
                + "    - name: app\n"
                + "      node: node1\n"
                + "      haproxy: { admin: " + dir.resolve("no-haproxy.sock") + ", backend: pg, source_server: source,"
                + " target_server: target }\n"
                + "  provisioner:\n"
                + "    kind: local\n"
                + "    work_dir: " + dir.resolve("upgrades") + "\n";
        Path config = ServiceConfig.write(dir, List.of(node1), "interval: 500ms\nbackoff_max: 1s\n", upgrade);
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.tools.temporal.enabled",
                "true",
                "quarkus.temporal.connection.target",
                temporal.target());
    }
}
