package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.testing.DebianPgServer;
import io.pgactive.tools.testing.HaproxyProcess;
import io.pgactive.tools.testing.PgBinaries;
import io.pgactive.tools.testing.ServiceTestResource;
import io.pgactive.tools.testing.TemporalTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A primary ({@code node1}) and its streaming standby ({@code node2}) of Debian's PostgreSQL 15, whose
 * {@code pg_rewind} the resync runs on node1's data; HAProxy in front of the primary; Temporal's test server.
 */
public class ResyncClusterResource extends ServiceTestResource {

    static final String TOKEN = "resync-test-token";

    static volatile DebianPgServer primary;
    static volatile DebianPgServer standby;
    static volatile HaproxyProcess haproxy;

    @Override
    protected String name() {
        return "resync-e2e";
    }

    @Override
    protected Map<String, String> start(Path dir) throws IOException {
        Path servers = PgBinaries.stateDir("resync");
        primary = closeOnStop(DebianPgServer.primary("node1", servers));
        primary.execute("CREATE TABLE items (id bigserial PRIMARY KEY, payload text NOT NULL)");
        standby = closeOnStop(primary.standby("node2"));
        haproxy = closeOnStop(HaproxyProcess.start("127.0.0.1", primary.port()));
        TemporalTestServer temporal = closeOnStop(TemporalTestServer.start(0));
        Path config = dir.resolve("tools.yaml");
        String yaml = "collector:\n  interval: 500ms\n  backoff_max: 1s\n  nodes:\n"
                + "    - { name: node1, dsn: \"" + primary.dsn() + "\" }\n"
                + "    - { name: node2, dsn: \"" + standby.dsn() + "\" }\n"
                + "database:\n  path: " + dir.resolve("data/replication_state.db") + "\n";
        try {
            Files.writeString(config, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> props = new HashMap<>(Map.of(
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
                "pgactive.failover.haproxy-admin-socket",
                haproxy.adminSocket().toString(),
                "pgactive.failover.haproxy-backend",
                HaproxyProcess.BACKEND,
                "pgactive.failover.resync.data-dir.node1",
                primary.dataDir().toString(),
                "pgactive.failover.resync.data-dir.node2",
                standby.dataDir().toString(),
                "pgactive.failover.resync.timeout",
                "2m"));
        // node1, once resynced, is to be node2's synchronous standby again
        props.put(SynchronousStandbys.PROPERTY, "node1");
        PgBinaries.runAs().ifPresent(u -> props.put("pgactive.failover.resync.run-as", u));
        return props;
    }
}
