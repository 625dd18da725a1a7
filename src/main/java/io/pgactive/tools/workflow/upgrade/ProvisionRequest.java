package io.pgactive.tools.workflow.upgrade;

import io.pgactive.tools.contract.upgrade.DatabaseRef;
import java.util.Map;

/**
 * What the target database of an upgrade must be.
 *
 * @param targetNode         the name the new database gets (derived from the upgrade id, so a retried or repeated
 *                           provisioning finds the database it created before instead of creating a second one)
 * @param source             the database being upgraded (its settings, locale and size guide the new one)
 * @param targetMajorVersion the PostgreSQL major version to create
 * @param instanceClass      the size of the new instance; {@code null} means the same as the source's
 * @param tags               labels to put on what is created (cloud tags; recorded locally)
 */
public record ProvisionRequest(
        String targetNode, DatabaseRef source, int targetMajorVersion, String instanceClass, Map<String, String> tags) {

    public ProvisionRequest {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }
}
