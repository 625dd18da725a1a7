package io.pgactive.tools.api.watch;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Tuning of {@code GET /watch}; every key is a Quarkus property under {@code pgactive.watch}. */
@ConfigMapping(prefix = "pgactive.watch")
public interface WatchConfig {

    /** Interval of heartbeat events on every stream. */
    @WithDefault("15s")
    Duration heartbeat();

    /** Reconnect delay advised to clients with {@code retry:}. */
    @WithDefault("2s")
    Duration retry();

    /** How many recent versions can be replayed to a client that resumes. */
    @WithDefault("600")
    int window();

    /**
     * Encoded bytes the replay window may hold; the oldest versions go first when a large snapshot's deltas would
     * exceed it (a resume from further back is served from the history database, or reset).
     */
    @WithDefault("32M")
    MemorySize windowBytes();

    /** Open streams beyond this get 503 with Retry-After. */
    @WithDefault("1000")
    int maxSubscribers();

    /** Versions queued for one client whose connection does not drain before it is reset to a snapshot. */
    @WithDefault("64")
    int subscriberBuffer();

    /** A client that has not taken its reset, or whose connection stayed full, for this long is disconnected. */
    @WithDefault("30s")
    Duration slowTimeout();
}
