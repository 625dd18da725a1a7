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
 * The guard's whole world, real: a primary and its streaming standby, PgBouncer in front of the primary, Temporal's
 * test server on loopback, and a tools.yaml guarding the primary's database through that PgBouncer.
 */
public class GuardClusterResource extends ServiceTestResource {

    static final String TOKEN = "guard-test-token";
    static final String GATE = "orders";
    static final String TABLE = "guarded_writes";
    static final double PAUSE_ABOVE = 2;
    static final double RESUME_BELOW = 1;

    static volatile PgCluster cluster;
    static volatile PgNode primary;
    static volatile PgNode standby;
    static volatile PgBouncerProcess bouncer;
    static volatile TemporalTestServer temporal;

    @Override
    protected String name() {
        return "guard-test";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.standalone(1, dir.resolve("cluster")));
        primary = cluster.node("node1");
        standby = cluster.add(primary.createStandby("node1s"));
        primary.execute("CREATE TABLE " + TABLE
                + " (id bigserial PRIMARY KEY, n bigint NOT NULL, at timestamptz DEFAULT now())");
        primary.execute("GRANT SELECT, INSERT ON " + TABLE + " TO " + PgNode.MONITOR_USER);
        primary.execute("GRANT USAGE ON SEQUENCE " + TABLE + "_id_seq TO " + PgNode.MONITOR_USER);
        bouncer = closeOnStop(PgBouncerProcess.start(primary));
        temporal = closeOnStop(TemporalTestServer.start(0));
        String guard = "guard:\n"
                + "  token: " + TOKEN + "\n"
                + "  pause_above: " + PAUSE_ABOVE + "\n"
                + "  resume_below: " + RESUME_BELOW + "\n"
                + "  hold: 1s\n"
                + "  max_pause: 5m\n"
                + "  gates:\n"
                + "    - name: " + GATE + "\n"
                + "      node: node1\n"
                + "      pgbouncer: \"" + bouncer.adminDsn() + "\"\n"
                + "      database: " + PgNode.DATABASE + "\n";
        Path config = ServiceConfig.write(dir, List.of(primary, standby), "interval: 500ms\nbackoff_max: 1s\n", guard);
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.tools.temporal.enabled",
                "true",
                "quarkus.temporal.connection.target",
                temporal.target());
    }
}
