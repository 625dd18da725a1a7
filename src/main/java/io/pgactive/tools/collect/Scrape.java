package io.pgactive.tools.collect;

import io.pgactive.tools.snapshot.ConflictRecord;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The raw result of scraping one node once. Filled by the dialect readers of a single scrape pipeline, which all run
 * on the connection's event-loop thread, so it needs no locking; handed over to the collector when complete.
 */
final class Scrape {

    final String node;
    Capabilities caps;
    Instant readAt;
    boolean inRecovery;
    String walLsn;
    final List<LinkReading> links = new ArrayList<>();
    Boolean walReceiverActive;
    Double replayDelaySeconds;
    Long conflictsTotal;
    final Map<String, Long> conflictsByType = new LinkedHashMap<>();
    int conflictsLastMinute;
    final Map<String, Object> custom = new LinkedHashMap<>();
    final Map<String, String> customErrors = new LinkedHashMap<>();
    final List<String> roles = new ArrayList<>();
    /** Conflict-history rows for the ledger, not yet handed to the store. */
    final List<ConflictRecord> conflictRows = new ArrayList<>();

    /** When the node's deadline passes ({@link System#nanoTime()}); custom queries fit their timeouts inside it. */
    long deadlineNanos = Long.MAX_VALUE;
    /** The replication state is read completely; what follows (custom queries) cannot fail the node. */
    boolean coreDone;
    /** Handed over at the deadline: a custom query still running may no longer write here. */
    boolean sealed;

    /**
     * The node's own statement (read time, recovery state, WAL position); the dialects' statements are pipelined behind
     * it. Completes when its answer has been handled.
     */
    Future<Void> nodeRead = Future.succeededFuture();
    /**
     * Tags the deadline the node's own statement leaves in the session for the custom queries, so that none of them
     * ever reads another scrape's deadline.
     */
    final long id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;

    Scrape(String node) {
        this.node = node;
    }

    /** At the deadline: custom queries not done are marked failed with {@code why}, and later results are dropped. */
    void sealCustom(String why) {
        sealed = true;
        pendingCustom.forEach(name -> {
            if (!custom.containsKey(name)) {
                custom.put(name, null);
                customErrors.put(name, why);
            }
        });
    }

    /** Custom queries chosen for this node in this scrape, in the order they run. */
    final List<String> pendingCustom = new ArrayList<>();

    /**
     * An answer to a statement sent together with the node's own: handled only after that one was, since handlers read
     * the node's read time and recovery state, and not at all when it failed (the scrape fails with its error).
     */
    <T> Future<T> afterNodeRead(Future<T> answer) {
        return nodeRead.compose(v -> answer);
    }

    /** Zero counts are kept: a type the server reports exists, and its series should not appear only at the first conflict. */
    void addConflicts(String type, long count) {
        conflictsByType.merge(type, count, Long::sum);
    }
}
