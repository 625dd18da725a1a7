package io.pgactive.tools.collect;

import static io.pgactive.tools.sql.SqlFiles.load;

/** The collector's SQL, one statement per file under {@code src/main/resources/sql}; loaded once at class init. */
final class Sql {

    static final String PROBE = load("probe");
    static final String NODE = load("node");
    static final String CUSTOM_TIMEOUT = load("custom_timeout");
    static final String PGACTIVE_IDENTITY = load("pgactive/identity");
    static final String PGACTIVE_LAG_INFO = load("pgactive/lag_info");
    static final String PGACTIVE_NODE_SLOTS_LEGACY = load("pgactive/node_slots_legacy");
    static final String PGACTIVE_INBOUND = load("pgactive/inbound");
    static final String PGACTIVE_STATS = load("pgactive/stats");
    static final String PGACTIVE_CONFLICTS_BASELINE = load("pgactive/conflicts_baseline");
    static final String PGACTIVE_CONFLICTS_SINCE = load("pgactive/conflicts_since");
    static final String PGACTIVE_NODES = load("pgactive/nodes");
    static final String STREAMING_OUTBOUND = load("streaming/outbound");
    static final String STREAMING_INBOUND = load("streaming/inbound");
    static final String LOGICAL_OUTBOUND = load("logical/outbound");
    static final String LOGICAL_PUBLISHERS = load("logical/publishers");
    private static final String LOGICAL_INBOUND_15 = load("logical/inbound");
    private static final String LOGICAL_INBOUND_16 = load("logical/inbound@160000");
    private static final String LOGICAL_INBOUND_18 = load("logical/inbound@180000");

    private Sql() {}

    /** pg_stat_subscription(_stats) gained columns in 16 and 18. */
    static String logicalInbound(int serverVersionNum) {
        if (serverVersionNum >= 180000) {
            return LOGICAL_INBOUND_18;
        }
        return serverVersionNum >= 160000 ? LOGICAL_INBOUND_16 : LOGICAL_INBOUND_15;
    }
}
