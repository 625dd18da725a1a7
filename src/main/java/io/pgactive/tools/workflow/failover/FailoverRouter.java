package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.workflow.upgrade.UpgradeException;

/**
 * Where clients' connections go during a failover. Every method is idempotent, blocks (activity threads only) and
 * returns what it reads back from the router. Failures are {@link UpgradeException}s
 * without secrets.
 */
public interface FailoverRouter {

    /** No new connection goes to {@code host:port} any more, and its open sessions through the router are ended. */
    String fence(String node, String host, int port);

    /** {@code host:port} takes connections again (a switchover that promoted nothing). */
    String unfence(String node, String host, int port);

    /** Every new connection goes to {@code host:port}, none anywhere else. */
    String repoint(String node, String host, int port);
}
