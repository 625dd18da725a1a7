package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.util.List;

/**
 * The failover's direct actions on one PostgreSQL server, by configured node name. Blocking; activity threads only.
 * Failures are {@link UpgradeException}s whose message names the node, never a
 * password.
 */
public interface NodeControl {

    /** Whether the node answers a fresh connection and a query within a short timeout. */
    boolean answers(String node);

    /** Makes a reachable node refuse writes (read-only by default, client sessions ended); false when unreachable. */
    boolean makeReadOnly(String node);

    /** Undoes {@link #makeReadOnly}. */
    void makeWritable(String node);

    /** The node's current WAL write position (a primary's {@code pg_current_wal_lsn()}). */
    String currentLsn(String node);

    /** The standby's replayed position ({@code pg_last_wal_replay_lsn()}). */
    String replayLsn(String node);

    /** Promotes the standby and waits for it; false when it was not in recovery (promoted before). */
    boolean promote(String node, long timeoutMillis);

    /** Whether the node is out of recovery and its sessions default to read-write. */
    boolean writable(String node);

    /** The node's {@code synchronous_standby_names} as its sessions see it now (empty: none). */
    String synchronousStandbyNames(String node);

    /**
     * Sets {@code synchronous_standby_names} to {@code names} (none: empty, commits wait for no standby) with
     * {@code ALTER SYSTEM} and a reload, and returns once the node reports the new value. Names are checked before any
     * SQL runs.
     *
     * @return the value before the change
     * @throws UpgradeException a bad name (not retryable), the node unreachable, or the reload not seen in time
     */
    String setSynchronousStandbyNames(String node, List<String> names, long timeoutMillis);

    /**
     * This control over one connection per named node, opened now and kept until the result is closed: a planned
     * switchover holds the application's clients while it runs a handful of statements on both nodes, and a login per
     * statement would add to their wait. A node whose connection breaks gets a fresh one at its next call. Not for
     * concurrent use; the default keeps nothing open.
     *
     * @throws UpgradeException a node that cannot be connected to now
     */
    default Pinned<NodeControl> pinned(List<String> nodes) {
        return Pinned.unpinned(this);
    }
}
