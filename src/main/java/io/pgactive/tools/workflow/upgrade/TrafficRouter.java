package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import java.time.Duration;

/**
 * Moves the application's connections between the source and the target of an upgrade. The local implementation
 * drives real routers (HAProxy's runtime API for weights, PgBouncer for holding clients during a cutover).
 *
 * <p>Every method blocks and runs on activity threads; every method is idempotent and returns what it reads back from
 * the router afterwards, not what was asked. Failures are {@link UpgradeException}s without secrets.
 */
public interface TrafficRouter {

    /** Short name of the route (from the configuration), used in logs, events and history. */
    String name();

    /** Puts the target behind the router with no traffic yet. */
    TrafficSplit attach(DatabaseRef target);

    /** The current split, read from the router. */
    TrafficSplit split();

    /** Sends {@code targetPercent} % of new connections to the target (existing sessions stay where they are). */
    TrafficSplit shift(int targetPercent);

    /**
     * Holds new transactions: clients wait instead of failing. Returns once no transaction is in flight or the
     * timeout elapsed (then the hold is still in place and {@link #release()} must follow).
     */
    TrafficSplit hold(Duration timeout);

    /** Lets held clients go on. */
    TrafficSplit release();

    /**
     * Ends the sessions still attached to the side that no longer takes new connections (after a 0 or 100 % split),
     * so that long-lived pools follow the split.
     */
    void closeStaleSessions();

    /** Takes the target out of the router again (rollback or a failed upgrade); traffic goes to the source only. */
    TrafficSplit detach();

    /**
     * This router over connections kept open until the result is closed (one PgBouncer console login for a whole
     * cutover instead of one per step). Not for concurrent use; the default keeps nothing open.
     */
    default Pinned<TrafficRouter> pinned() {
        return Pinned.unpinned(this);
    }
}
