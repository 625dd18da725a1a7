package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.UpgradeScope;
import java.time.Duration;
import java.util.List;

/**
 * Replicates the application database between the source and the target of an upgrade: forward (source → target)
 * from the start, and back (target → source) from before cutover, so that rolling back after cutover loses nothing.
 * The local implementation uses native logical replication; the pgactive implementation a pgactive group.
 *
 * <p>Every method blocks and runs on activity threads; every method is idempotent (a repeated call finds what an
 * earlier one did and never creates a second subscription, slot or node). No replication loop may ever form: a
 * change is applied at most once on each side. Failures are {@link UpgradeException}s without secrets.
 */
public interface ReplicationGroup {

    /**
     * What would make the upgrade lose or refuse data, found before anything is created: tables in scope without a
     * primary key (or replica identity), settings that make large transactions a risk, unsupported objects. Each
     * entry is one line an operator can act on; empty means fit.
     */
    List<String> preflight(DatabaseRef source, UpgradeScope scope);

    /**
     * Brings the server settings replication needs into place on one node (the {@code ConfigurePgactiveParams}
     * phase) and says which ones need a restart to take effect; empty when all are in effect.
     */
    List<String> configure(DatabaseRef node);

    /** Installs what replication needs inside the database of one node (extension, publication, roles). */
    void install(DatabaseRef node, UpgradeScope scope);

    /** Copies the schema to the target and starts forward replication with an initial copy of the data. */
    void start(DatabaseRef source, DatabaseRef target, UpgradeScope scope);

    /** The current state, read from both databases. */
    ReplicationState state(DatabaseRef source, DatabaseRef target);

    /** Creates the path back (target → source) without copying data, starting at or before the current position. */
    void startReverse(DatabaseRef source, DatabaseRef target);

    /**
     * Waits until {@code to} has applied every change {@code from} had written when the call began; returns the bytes
     * still missing when the timeout elapsed ({@code 0} when caught up).
     */
    long awaitApplied(DatabaseRef from, DatabaseRef to, Duration timeout);

    /** Sets every sequence in scope on {@code to} to at least its value on {@code from} (sequences do not replicate). */
    void syncSequences(DatabaseRef from, DatabaseRef to, UpgradeScope scope);

    /**
     * Sets every sequence in scope on {@code to} to at least its value on {@code from} plus {@code headroom}, for
     * while both sides take inserts: each side then draws from its own range until the other has used up the
     * headroom.
     */
    default void syncSequencesAhead(DatabaseRef from, DatabaseRef to, UpgradeScope scope, long headroom) {
        syncSequences(from, to, scope);
    }

    /** Ends replication between the two (both directions) and removes what {@link #start} and the rest created. */
    void detach(DatabaseRef source, DatabaseRef target);

    /**
     * This group over one connection per node kept open until the result is closed, for a cutover's statements while
     * clients are held. Not for concurrent use; the default keeps nothing open.
     */
    default Pinned<ReplicationGroup> pinned() {
        return Pinned.unpinned(this);
    }
}
