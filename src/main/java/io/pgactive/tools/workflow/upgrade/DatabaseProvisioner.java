package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import java.util.Optional;

/**
 * Creates and removes the target database of an upgrade.
 *
 * <p>Every method blocks (it may take minutes on a cloud) and runs on activity threads, never on an event loop.
 * Every method is idempotent: a call repeated after a crash, a retry or a second start of the same upgrade finds what
 * the first call did and carries on from there; nothing is ever created twice. Failures are {@link UpgradeException}s
 * whose messages never contain a secret.
 */
public interface DatabaseProvisioner {

    /**
     * Creates the target database (a new server of the requested major version, ready for logical replication, with
     * the application database created and empty) or returns the one created earlier under the same name.
     */
    DatabaseRef provision(ProvisionRequest request);

    /** The database created earlier under this name, if it exists. */
    Optional<DatabaseRef> find(String targetNode);

    /**
     * How to connect to a database this provisioner created (with its credentials), for the collector and for the
     * other ports. Never logged, never put into workflow history.
     */
    Optional<Dsn> dsn(String targetNode);

    /** Removes a database this provisioner created and everything created for it; nothing happens when it is gone. */
    void remove(String targetNode);

    /**
     * Takes the upgraded source out of service for good, after the operator approved: it stops taking connections.
     * Its data is kept (a snapshot or a stopped server), so the step can be undone by hand.
     */
    void decommission(DatabaseRef source);
}
