package io.pgactive.tools.contract.upgrade;

import java.util.List;

/**
 * One health check of the source and target during an upgrade.
 *
 * @param healthy     every check passed
 * @param problems    one line per failed check (empty when healthy)
 * @param lagBytes    forward or reverse replication lag, whichever is larger; {@code -1} when unknown
 * @param applyErrors apply errors counted so far by replication
 * @param version     the snapshot version the check read (0 when there was none)
 */
public record HealthReport(
        long atMillis, boolean healthy, List<String> problems, long lagBytes, long applyErrors, long version) {

    public HealthReport {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }
}
