package io.pgactive.tools.workflow.failover;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
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

    default FailoverPolicy policy() {
        return new FailoverPolicy(
                downFor().toMillis(),
                maxLagBytes(),
                catchUpTimeout().toMillis(),
                promoteTimeout().toMillis(),
                writableTimeout().toMillis());
    }
}
