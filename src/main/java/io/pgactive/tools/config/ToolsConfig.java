package io.pgactive.tools.config;

import io.pgactive.tools.config.credentials.SecretStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The validated content of {@code tools.yaml}. Immutable; built only by {@link ConfigLoader}. */
public record ToolsConfig(
        Path source,
        Collector collector,
        Thresholds thresholds,
        Server server,
        Database database,
        Guard guard,
        UpgradeConfig upgrade,
        SecretStore.Settings secrets) {

    public ToolsConfig(
            Path source,
            Collector collector,
            Thresholds thresholds,
            Server server,
            Database database,
            Guard guard,
            UpgradeConfig upgrade) {
        this(source, collector, thresholds, server, database, guard, upgrade, SecretStore.Settings.DEFAULT);
    }

    public ToolsConfig(Path source, Collector collector, Thresholds thresholds, Server server, Database database) {
        this(source, collector, thresholds, server, database, Guard.NONE);
    }

    public ToolsConfig(
            Path source, Collector collector, Thresholds thresholds, Server server, Database database, Guard guard) {
        this(source, collector, thresholds, server, database, guard, UpgradeConfig.NONE);
    }

    /** What to scrape, how often, and how patiently; {@code queries} are the custom metric files of {@code queriesDir}. */
    public record Collector(
            Duration interval,
            Duration timeout,
            int concurrency,
            Duration backoffMax,
            Duration stallAfter,
            Duration probeInterval,
            Path queriesDir,
            List<NodeConfig> nodes,
            Optional<Discovery> discovery,
            List<CustomQuery> queries) {

        public Collector {
            nodes = List.copyOf(nodes);
            queries = List.copyOf(queries);
        }
    }

    /**
     * One node to scrape. {@code origin} says where it came from (file, environment, discovery) for operators;
     * {@code auth} where its password comes from (a referenced password is never in {@code dsn}).
     */
    public record NodeConfig(String name, Dsn dsn, String origin, NodeAuth auth) {

        public NodeConfig(String name, Dsn dsn, String origin) {
            this(name, dsn, origin, NodeAuth.INLINE);
        }
    }

    /** Optional discovery of pgactive group members from {@code pgactive.pgactive_nodes} on a seed node. */
    public record Discovery(String seed, Duration interval) {}

    /** Health thresholds (see {@code HealthPolicy}). {@code conflictsWarnPerMinute} is a rate: conflicts seen in the last minute. */
    public record Thresholds(double lagSecondsWarn, double lagSecondsCrit, double conflictsWarnPerMinute) {}

    /** Where the HTTP server listens; an empty host means all interfaces. */
    public record Server(String host, int port) {}

    public record Database(Path path, Retention retention) {

        public Database(Path path) {
            this(path, Retention.DEFAULT);
        }

        /** The folder beside the database that holds the service's small state files. */
        public Path dataDir() {
            Path parent = path.toAbsolutePath().getParent();
            return parent == null ? Path.of(".").toAbsolutePath() : parent;
        }
    }

    /**
     * How long history is kept. {@code samples}: node samples at full resolution (older ones are folded into one row per
     * node and minute); {@code downsampled}: those minute rows; {@code snapshots}: the full JSON of every version (the
     * version's summary row lives as long as the samples).
     */
    public record Retention(
            Duration samples, Duration downsampled, Duration snapshots, Duration events, Duration conflicts) {

        public static final Retention DEFAULT = new Retention(
                Duration.ofDays(7), Duration.ofDays(30), Duration.ofHours(3), Duration.ofDays(90), Duration.ofDays(90));
    }

    /**
     * The write guard: databases whose writes are paused while their node's replication lag is too high.
     *
     * @param token bearer token required by the HTTP endpoints that change a guard; without one they are refused
     */
    public record Guard(Optional<String> token, GuardPolicy policy, List<GateConfig> gates) {

        public static final Guard NONE = new Guard(Optional.empty(), GuardPolicy.DEFAULT, List.of());

        public Guard {
            gates = List.copyOf(gates);
        }

        public Optional<GateConfig> gate(String name) {
            return gates.stream().filter(g -> g.name().equals(name)).findFirst();
        }
    }

    /**
     * When to pause and resume: pause once lag has stayed above {@code pauseAboveSeconds} for {@code hold}, resume once it
     * has stayed below {@code resumeBelowSeconds} for {@code hold}, and never keep writes paused longer than
     * {@code maxPause}. The default cap stays under PgBouncer's default {@code query_wait_timeout} (120 s), past which
     * PgBouncer disconnects the clients it holds: a longer cap needs that setting raised.
     */
    public record GuardPolicy(double pauseAboveSeconds, double resumeBelowSeconds, Duration hold, Duration maxPause) {

        public static final GuardPolicy DEFAULT =
                new GuardPolicy(30, 5, Duration.ofSeconds(10), Duration.ofSeconds(100));
    }

    /**
     * One guarded database: {@code database} behind the PgBouncer whose admin console is {@code pgbouncer}, paused while
     * {@code node}'s lag is high; {@code database} follows {@link DatabaseName}.
     */
    public record GateConfig(String name, String node, Dsn pgbouncer, String database, boolean autostart) {}
}
