package io.pgactive.tools.workflow.upgrade;

/**
 * How replication between the source and the target stands, read from the databases themselves.
 *
 * @param initialCopyDone  the target holds a full copy of the replicated tables and only streams changes now
 * @param forwardActive    changes flow source → target (a live worker, not only a defined subscription)
 * @param reverseActive    changes flow target → source (set up before cutover so that a rollback loses nothing)
 * @param forwardLagBytes  WAL the source has written that the target has not applied yet; {@code -1} when unknown
 * @param reverseLagBytes  the same, target → source; {@code -1} when unknown or no reverse path
 * @param applyErrors      apply errors counted on either side since the group was created (conflicts that stop
 *                         replication until an operator acts)
 * @param detail           one line for operators, e.g. "copying 3 of 12 tables"
 */
public record ReplicationState(
        boolean initialCopyDone,
        boolean forwardActive,
        boolean reverseActive,
        long forwardLagBytes,
        long reverseLagBytes,
        long applyErrors,
        String detail) {}
