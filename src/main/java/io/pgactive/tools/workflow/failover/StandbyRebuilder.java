package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.workflow.upgrade.UpgradeException;

/**
 * Turns a node (an old primary, fenced by a failover) into a streaming standby of the new primary. Blocking; activity
 * threads only. Failures are {@link UpgradeException}s whose message names the node, never a password.
 */
public interface StandbyRebuilder {

    /**
     * Stops {@code node}, brings its data in line with {@code newPrimary} (rewinding it, or a fresh base backup where
     * a rewind cannot), configures it to stream from {@code newPrimary} and starts it. A node that already streams
     * from {@code newPrimary} is left alone. Returns what was done.
     */
    String rebuild(String node, String newPrimary);
}
