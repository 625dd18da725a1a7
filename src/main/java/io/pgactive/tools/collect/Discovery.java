package io.pgactive.tools.collect;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.config.credentials.NodeCredential;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Finds pgactive group members in {@code pgactive.pgactive_nodes} on a seed node and adds them to the scraped set.
 * A member's own DSN names its host, port and database; the credentials and TLS options are the seed's (the
 * replication user pgactive stores is not the monitor). Configured nodes always win over discovered ones; a member
 * that is detached ('k') or removed disappears from the next snapshot.
 */
final class Discovery {

    private static final Logger LOG = Logger.getLogger(Discovery.class);

    private final ToolsConfig config;
    private final ToolsConfig.Discovery settings;
    private final Collector collector;
    private final Vertx vertx;
    private final ToolsConfig.NodeConfig seed;
    private final NodeCredential seedCredential;
    private long timerId = -1;
    private List<String> lastDiscovered = List.of();

    Discovery(ToolsConfig config, ToolsConfig.Discovery settings, Collector collector, Vertx vertx) {
        this.config = config;
        this.settings = settings;
        this.collector = collector;
        this.vertx = vertx;
        this.seed = config.collector().nodes().stream()
                .filter(n -> n.name().equals(settings.seed()))
                .findFirst()
                .orElseThrow();
        this.seedCredential = collector.credentials().forNode(seed);
    }

    void start() {
        timerId = vertx.setPeriodic(
                0,
                settings.interval().toMillis(),
                id -> discover()
                        .subscribe()
                        .with(
                                nodes -> apply(nodes),
                                e -> LOG.warnf(
                                        "discovery on %s failed: %s",
                                        seed.name(), Dsn.redact(e.getMessage(), seedCredential.lastValue()))));
    }

    void stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    Uni<List<ToolsConfig.NodeConfig>> discover() {
        return seedCredential.password().chain(password -> discover(password));
    }

    private Uni<List<ToolsConfig.NodeConfig>> discover(String password) {
        SqlClient client = PgBuilder.client()
                .connectingTo(NodeClient.connectOptions(seed.dsn(), password, deadline()))
                .using(vertx)
                .build();
        return client.query(Sql.PGACTIVE_NODES)
                .execute()
                .map(rows -> {
                    List<ToolsConfig.NodeConfig> found = new ArrayList<>();
                    for (Row r : rows) {
                        toNode(r.getString("node_name"), r.getString("node_dsn"))
                                .ifPresent(found::add);
                    }
                    return found;
                })
                // not on the scrape path: a slower seed only delays discovery, so allow more than a scrape deadline
                .ifNoItem()
                .after(deadline())
                .fail()
                .eventually(() -> client.close());
    }

    private Duration deadline() {
        Duration tenSeconds = Duration.ofSeconds(10);
        return settings.interval().compareTo(tenSeconds) < 0 ? settings.interval() : tenSeconds;
    }

    Optional<ToolsConfig.NodeConfig> toNode(String name, String nodeDsn) {
        try {
            Dsn member = Dsn.parse(nodeDsn);
            Dsn seedDsn = seed.dsn();
            return Optional.of(new ToolsConfig.NodeConfig(
                    name,
                    new Dsn(
                            member.host(),
                            member.port(),
                            member.database(),
                            seedDsn.user(),
                            seedDsn.password(),
                            seedDsn.options()),
                    "discovery",
                    seed.auth()));
        } catch (IllegalArgumentException e) {
            // user_mapping=… pgactive_foreign_server=… DSNs carry no host: such members must be configured by hand
            LOG.debugf("discovery: member %s has no usable host in its DSN", name);
            return Optional.empty();
        }
    }

    private void apply(List<ToolsConfig.NodeConfig> discovered) {
        Map<String, ToolsConfig.NodeConfig> nodes = new LinkedHashMap<>();
        config.collector().nodes().forEach(n -> nodes.put(n.name(), n));
        List<String> added = new ArrayList<>();
        for (ToolsConfig.NodeConfig n : discovered) {
            if (nodes.putIfAbsent(n.name(), n) == null) {
                added.add(n.name());
            }
        }
        if (!added.equals(lastDiscovered)) {
            LOG.infof("discovery on %s: scraping discovered member(s) %s", seed.name(), added);
            lastDiscovered = added;
        }
        collector.setNodes(nodes.values());
    }
}
