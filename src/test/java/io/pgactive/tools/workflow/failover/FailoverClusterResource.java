package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.testing.HaproxyProcess;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A primary ({@code node1}) with a synchronous standby ({@code node2}) and an asynchronous one ({@code node3}), all
 * configured nodes of the service; HAProxy in front of the primary where the application connects; Temporal's test
 * server. The monitor role may promote ({@code EXECUTE} on {@code pg_promote}), as the failover needs. The standbys
 * carry the primary's {@code synchronous_standby_names} in their copy of {@code postgresql.auto.conf}.
 */
public class FailoverClusterResource extends ServiceTestResource {

    static final String TOKEN = "failover-test-token";
    static final String TABLE = "acked";
    static final String APP_USER = "app_rw";
    static final String APP_PASSWORD = "app-" + Long.toHexString(System.nanoTime());

    static volatile PgCluster cluster;
    static volatile PgNode primary;
    static volatile PgNode sync;
    static volatile PgNode async;
    static volatile HaproxyProcess haproxy;

    @Override
    protected String name() {
        return "failover-e2e";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        cluster = closeOnStop(PgCluster.empty(dir.resolve("pg")));
        primary = cluster.addNode("node1");
        primary.execute("GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO " + PgNode.MONITOR_USER);
        primary.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD + "'");
        primary.execute("CREATE TABLE " + TABLE + " (id bigserial PRIMARY KEY, payload text NOT NULL)");
        primary.execute("GRANT SELECT, INSERT ON " + TABLE + " TO " + APP_USER + "; GRANT USAGE ON SEQUENCE " + TABLE
                + "_id_seq TO " + APP_USER);
        // before the base backups, as deployments do: the standbys inherit it, so the promoted node2 names itself
        // and would hold every commit until the failover sets it
        primary.execute("ALTER SYSTEM SET synchronous_standby_names = 'node2'");
        primary.execute("SELECT pg_reload_conf()");
        sync = cluster.add(primary.createStandby("node2"));
        async = cluster.add(primary.createStandby("node3"));
        haproxy = closeOnStop(HaproxyProcess.start("127.0.0.1", primary.port()));
        TemporalTestServer temporal = closeOnStop(TemporalTestServer.start(0));
        Path config = ServiceConfig.write(dir, List.of(primary, sync, async), "interval: 500ms\nbackoff_max: 1s\n");
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.tools.temporal.enabled",
                "true",
                "quarkus.temporal.connection.target",
                temporal.target(),
                "pgactive.failover.token",
                TOKEN,
                "pgactive.failover.down-for",
                "1s",
                "pgactive.failover.rerun-after",
                "20s",
                "pgactive.failover.haproxy-admin-socket",
                haproxy.adminSocket().toString(),
                "pgactive.failover.haproxy-backend",
                HaproxyProcess.BACKEND);
    }
}
