package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeState;

/**
 * How an upgrade run starts. {@code carried} is the previous run's state when a run continues as new, {@code null}
 * for a new upgrade.
 */
public record UpgradeInput(String upgradeId, UpgradeRequest request, UpgradePolicy policy, UpgradeState carried) {

    public UpgradeInput carrying(UpgradeState state) {
        return new UpgradeInput(upgradeId, request, policy, state);
    }

    /** The name the target database gets: derived from the source and version, so a repeated start finds it. */
    public String targetNode() {
        return request.source() + "-pg" + request.targetVersion();
    }
}
