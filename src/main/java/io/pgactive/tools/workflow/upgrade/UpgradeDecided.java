package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.UpgradeDecision;

/** A CDI event: an upgrade's decision was recorded through this service's worker (the metrics count them). */
public record UpgradeDecided(String source, UpgradeDecision decision) {}
