package io.pgactive.tools.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code upgrade:} section of {@code tools.yaml}: the rolling major-version upgrade's limits, the routes that carry
 * each node's traffic, and how target databases are provisioned.
 *
 * @param token       bearer token for the endpoints that change an upgrade; empty means {@code guard.token}
 * @param routes      one per node that can be upgraded
 * @param provisioner how targets are created; empty when the section is absent (upgrades are refused)
 * @param healthProbe an extra SQL query each health check runs on both nodes (it must succeed); empty: none
 */
public record UpgradeConfig(
        Optional<String> token,
        Limits limits,
        List<Route> routes,
        Optional<Provisioner> provisioner,
        Optional<String> healthProbe) {

    public static final UpgradeConfig NONE =
            new UpgradeConfig(Optional.empty(), Limits.DEFAULT, List.of(), Optional.empty(), Optional.empty());

    public UpgradeConfig {
        routes = List.copyOf(routes);
    }

    public Optional<Route> route(String node) {
        return routes.stream().filter(r -> r.node().equals(node)).findFirst();
    }

    /**
     * When replication counts as in sync and how patient the upgrade is; see the workflow's policy for each figure.
     * A zero {@code decommissionDelay} waits for an operator's approval.
     */
    public record Limits(
            long lagThresholdBytes,
            Duration escalateAfter,
            Duration syncHold,
            Duration syncTimeout,
            Duration soak,
            Duration cutoverBudget,
            Duration decommissionDelay) {

        public static final Limits DEFAULT = new Limits(
                16L * 1024 * 1024,
                Duration.ofMinutes(15),
                Duration.ofSeconds(10),
                Duration.ofHours(24),
                Duration.ofMinutes(1),
                Duration.ofSeconds(30),
                Duration.ZERO);
    }

    /**
     * How clients reach {@code node}: an HAProxy backend whose weights split new connections between the source and
     * the target server, and optionally the PgBouncer that holds clients during cutover.
     */
    public record Route(String name, String node, Haproxy haproxy, Optional<PgBouncer> pgbouncer) {}

    /** HAProxy's runtime API ({@code admin}: a Unix socket path or host:port) and the names in its configuration. */
    public record Haproxy(String admin, String backend, String sourceServer, String targetServer) {}

    /** PgBouncer's admin console and the pooled database the application uses. */
    public record PgBouncer(Dsn admin, String database) {}

    /**
     * {@code kind: local} starts PostgreSQL servers on this machine under {@code workDir}, from the installation
     * directory of each major version in {@code binaries} (the one holding {@code bin/}); when the service runs as
     * root they run as {@code runAs}. {@code kind: rds} creates Amazon RDS instances and joins them with pgactive, as
     * {@code rds} says.
     */
    public record Provisioner(
            String kind, Path workDir, Map<Integer, Path> binaries, Optional<String> runAs, Optional<Rds> rds) {

        public Provisioner {
            binaries = Map.copyOf(binaries);
        }

        public Provisioner(String kind, Path workDir, Map<Integer, Path> binaries, Optional<String> runAs) {
            this(kind, workDir, binaries, runAs, Optional.empty());
        }
    }

    /**
     * Where the RDS provisioner works: the region, optionally an endpoint in place of RDS's public one (a VPC
     * endpoint), and the RDS instance identifier of each configured node whose identifier is not its name.
     */
    public record Rds(String region, Optional<URI> endpoint, Map<String, String> instanceIds) {

        public Rds {
            instanceIds = Map.copyOf(instanceIds);
        }
    }
}
