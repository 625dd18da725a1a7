package io.pgactive.tools.workflow.upgrade;

/**
 * What one WaitForSync activity saw.
 *
 * @param inSync            lag stayed under the threshold with both nodes readable for the hold time
 * @param lagBytes          the last forward lag in bytes; {@code -1} when unknown
 * @param applyErrors       apply errors counted by replication
 * @param nodesHealthy      both nodes were readable and not DOWN/CRITICAL in the last snapshot
 * @param detail            one line for operators
 * @param version           the last snapshot version seen (0 when none)
 */
public record SyncReading(
        long atMillis,
        boolean inSync,
        long lagBytes,
        long applyErrors,
        boolean nodesHealthy,
        String detail,
        long version) {}
