package io.pgactive.tools.contract.upgrade;

/**
 * One upgrade as the API shows it.
 *
 * @param id       the workflow id, {@code rolling-upgrade-<source>}
 * @param status   Temporal's status of the run: RUNNING, COMPLETED, FAILED, TERMINATED, ...
 * @param running  the run is still going
 * @param progress the progress query's answer (the result once finished); null when the run ended abnormally
 */
public record UpgradeView(String id, String source, String status, Boolean running, UpgradeProgress progress) {}
