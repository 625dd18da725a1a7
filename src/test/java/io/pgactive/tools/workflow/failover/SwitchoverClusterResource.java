package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.testing.HaproxyProcess;
import io.pgactive.tools.testing.PgBouncerForwarder;
import io.pgactive.tools.testing.PgCluster;
import io.pgactive.tools.testing.PgNode;
import io.pgactive.tools.testing.ServiceConfig;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A primary ({@code node1}) and its streaming standby ({@code node2}); the application connects to PgBouncer
 * (transaction pooling), which connects through HAProxy; the service holds clients at PgBouncer's console.
 */
public class SwitchoverClusterResource extends ServiceTestResource {

    static final String TOKEN = "switchover-test-token";
    static final String TABLE = "acked";
    static final String APP_USER = "app_rw";
    static final String APP_PASSWORD = "app-" + Long.toHexString(System.nanoTime());

    static volatile PgNode primary;
    static volatile PgNode standby;
    static volatile PgBouncerForwarder bouncer;

    @Override
    protected String name() {
        return "switchover-e2e";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        PgCluster cluster = closeOnStop(PgCluster.empty(dir.resolve("pg")));
        primary = cluster.addNode("node1");
        primary.execute("GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO " + PgNode.MONITOR_USER);
        primary.execute("CREATE ROLE " + APP_USER + " LOGIN PASSWORD '" + APP_PASSWORD + "'");
        primary.execute("CREATE TABLE " + TABLE + " (id bigserial PRIMARY KEY, payload text NOT NULL)");
        primary.execute("GRANT SELECT, INSERT ON " + TABLE + " TO " + APP_USER + "; GRANT USAGE ON SEQUENCE " + TABLE
                + "_id_seq TO " + APP_USER);
        standby = cluster.add(primary.createStandby("node2"));
        HaproxyProcess haproxy = closeOnStop(HaproxyProcess.start("127.0.0.1", primary.port()));
        bouncer = closeOnStop(PgBouncerForwarder.start(
                haproxy.host(), haproxy.port(), PgNode.DATABASE, APP_USER, APP_PASSWORD, Map.of()));
        TemporalTestServer temporal = closeOnStop(TemporalTestServer.start(0));
        Path config = ServiceConfig.write(dir, List.of(primary, standby), "interval: 500ms\nbackoff_max: 1s\n");
        Dsn admin = bouncer.adminDsn();
        return Map.of(
                "pgactive.tools.config",
                config.toString(),
                "pgactive.tools.temporal.enabled",
                "true",
                "quarkus.temporal.connection.target",
                temporal.target(),
                "pgactive.failover.token",
                TOKEN,
                "pgactive.failover.haproxy-admin-socket",
                haproxy.adminSocket().toString(),
                "pgactive.failover.haproxy-backend",
                HaproxyProcess.BACKEND,
                "pgactive.failover.pgbouncer-admin",
                "postgres://" + admin.user() + ":" + admin.password() + "@" + admin.host() + ":" + admin.port() + "/"
                        + admin.database());
    }
}
