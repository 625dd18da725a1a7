package io.pgactive.tools.sdk.temporal;

import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A primary and its streaming standby, so the standby has a lag figure to wait on. */
public class StandbyClusterResource extends ServiceTestResource {

    static final String STANDBY = "node1s";

    @Override
    protected String name() {
        return "sdk-temporal-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        PgCluster cluster = closeOnStop(PgCluster.standalone(1, dir.resolve("cluster")));
        PgNode primary = cluster.node("node1");
        PgNode standby = cluster.add(primary.createStandby(STANDBY));
        Path config = ServiceConfig.write(dir, List.of(primary, standby), "interval: 500ms\nbackoff_max: 1s\n");
        return Map.of("pgactive.tools.config", config.toString());
    }
}
