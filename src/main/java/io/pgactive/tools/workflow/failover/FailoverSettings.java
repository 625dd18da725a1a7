package io.pgactive.tools.workflow.failover;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Failover limits and the router it re-points; Quarkus properties under {@code pgactive.failover}. */
@ConfigMapping(prefix = "pgactive.failover")
public interface FailoverSettings {

    /** How long the snapshot must have seen a primary failing before a failover treats it as down. */
    @WithDefault("5s")
    Duration downFor();

    /** The most WAL an asynchronous standby may lack to be promoted without force. */
    @WithDefault("16777216")
    long maxLagBytes();

    /**
     * For this long after a primary's failover completed, a new request for that primary answers with it (a repeated
     * or retried request changes nothing); later, a new failover runs, which its rules refuse unless the node is a
     * failing primary again.
     */
    @WithDefault("10m")
    Duration rerunAfter();

    @WithDefault("30s")
    Duration catchUpTimeout();

    @WithDefault("60s")
    Duration promoteTimeout();

    @WithDefault("30s")
    Duration writableTimeout();

    /** Bearer token of {@code POST /failovers}; {@code guard.token} when absent. */
    Optional<String> token();

    /** HAProxy's runtime API socket ({@code level admin}); without it a failover has no router to re-point. */
    Optional<String> haproxyAdminSocket();

    /** The HAProxy backend whose servers are the nodes; exactly one of them takes connections. */
    @WithDefault("pg")
    String haproxyBackend();

    /**
     * PgBouncer's admin console (a DSN, user of {@code admin_users}) in front of the router: a planned switchover holds
     * clients there ({@code PAUSE}) instead of refusing their connections while no node takes writes.
     */
    Optional<String> pgbouncerAdmin();

    /** The PgBouncer database the application uses; the primary's configured database when absent. */
    Optional<String> pgbouncerDatabase();

    /**
     * How a standby is promoted: {@code pg_promote} (SQL, the default) or {@code rds} (the nodes are RDS instances and
     * a standby is a read replica, promoted through the RDS API because RDS refuses {@code pg_promote()}).
     */
    @WithDefault(PROMOTE_SQL)
    String promotion();

    String PROMOTE_SQL = "pg_promote";
    String PROMOTE_RDS = "rds";

    /** Where the RDS API is reached when {@code promotion} is {@code rds}. */
    Rds rds();

    /** Rebuilding an old primary as a standby of the new one ({@code replication resync}). */
    Resync resync();

    interface Rds {

        /** The nodes' AWS region, such as {@code eu-west-1}; required with {@code promotion=rds}. */
        Optional<String> region();

        /** An https URL replacing RDS's public endpoint (a VPC endpoint). */
        Optional<String> endpoint();

        /** The RDS DB instance identifier of each node whose identifier is not its name, by node name. */
        @WithName("instance-id")
        Map<String, String> instanceIds();
    }

    interface Resync {

        /** Each node's data directory on this host, by node name; a node without one cannot be resynced. */
        @WithName("data-dir")
        Map<String, String> dataDirs();

        /** The PostgreSQL installation whose pg_ctl, pg_rewind and pg_basebackup run (the servers' major). */
        @WithDefault("/usr/lib/postgresql/15/bin")
        String binDir();

        /** The servers' OS user when the service runs as root (PostgreSQL refuses root). */
        Optional<String> runAs();

        /** The role the standby streams as; the new primary's configured user when absent. */
        Optional<String> replicationUser();

        /** A libpq password file for the replication role; else the new primary's configured password is used. */
        Optional<String> passfile();

        /** Bound on each program (stop, rewind, base backup, start). */
        @WithDefault("10m")
        Duration timeout();

        /** How long the rebuilt standby may take to stream in the service's snapshot. */
        @WithDefault("2m")
        Duration streamingTimeout();

        /**
         * How long a resync a failover started ({@code resync_old_primary}) waits for the old primary to answer again
         * before it gives up; it is rebuilt as soon as it answers.
         */
        @WithDefault("30m")
        Duration awaitOldPrimary();
    }

    default FailoverPolicy policy() {
        return new FailoverPolicy(
                downFor().toMillis(),
                maxLagBytes(),
                catchUpTimeout().toMillis(),
                promoteTimeout().toMillis(),
                writableTimeout().toMillis());
    }

    /**
     * The promoted node's {@code synchronous_standby_names}: absent or empty for none (the default: no standby follows
     * it yet, so none could confirm a commit), {@code keep}, or a comma-separated list of configured node names.
     */
    Optional<String> synchronousStandbysAfter();

    /** Starting failovers without an operator; off unless enabled, and then only for the primaries listed. */
    Automatic automatic();

    interface Automatic {

        /** Off by default: failover is an operator's decision unless this is set. */
        @WithDefault("false")
        boolean enabled();

        /** The primaries the policy may fail over; none when absent, even when enabled. */
        Optional<List<String>> primaries();

        /** How long the primary must have failed in every snapshot before the policy acts. */
        @WithDefault("30s")
        Duration downFor();

        /** After the policy started a failover of a primary, how long before it may start another for it. */
        @WithDefault("10m")
        Duration cooldown();
    }
}
