package io.pgactive.tools.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The validated content of {@code tools.yaml}. Immutable; built only by {@link ConfigLoader}. */
public record ToolsConfig(Path source, Collector collector, Thresholds thresholds, Server server, Database database) {

    /** What to scrape, how often, and how patiently. */
    public record Collector(
            Duration interval,
            Duration timeout,
            int concurrency,
            Duration backoffMax,
            Duration stallAfter,
            Duration probeInterval,
            Path queriesDir,
            List<NodeConfig> nodes,
            Optional<Discovery> discovery) {

        public Collector {
            nodes = List.copyOf(nodes);
        }
    }

    /** One node to scrape. {@code origin} says where it came from (file, environment, discovery) for operators. */
    public record NodeConfig(String name, Dsn dsn, String origin) {
    }

    /** Optional discovery of pgactive group members from {@code pgactive.pgactive_nodes} on a seed node. */
    public record Discovery(String seed, Duration interval) {
    }

    /** Health thresholds (DESIGN §4). {@code conflictsWarnPerMinute} is a rate: conflicts seen in the last minute. */
    public record Thresholds(double lagSecondsWarn, double lagSecondsCrit, double conflictsWarnPerMinute) {
    }

    /** Where the HTTP server listens; an empty host means all interfaces. */
    public record Server(String host, int port) {
    }

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
    public record Retention(Duration samples, Duration downsampled, Duration snapshots, Duration events, Duration conflicts) {

        public static final Retention DEFAULT = new Retention(Duration.ofDays(7), Duration.ofDays(30), Duration.ofHours(3),
                Duration.ofDays(90), Duration.ofDays(90));
    }
}
