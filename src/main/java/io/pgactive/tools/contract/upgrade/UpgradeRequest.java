package io.pgactive.tools.contract.upgrade;

import java.util.List;
import java.util.Map;

/**
 * What an operator asks for (the body of {@code POST /upgrades}).
 *
 * @param source        the configured node to upgrade
 * @param targetVersion the PostgreSQL major version to upgrade to
 * @param shifts        traffic steps in percent of new connections, e.g. 25, 25, 50: each step adds its share to the
 *                      target; the cutover moves whatever is left, so the steps may sum to less than 100
 * @param tables        table patterns to replicate ({@code schema.*}, {@code schema.table}); empty means all
 * @param instanceClass the size of the new database; {@code null} means the same as the source's
 * @param tags          labels for what is created
 */
public record UpgradeRequest(
        String source,
        int targetVersion,
        List<Integer> shifts,
        List<String> tables,
        String instanceClass,
        Map<String, String> tags) {

    public UpgradeRequest {
        shifts = shifts == null ? List.of() : List.copyOf(shifts);
        tables = tables == null ? List.of() : List.copyOf(tables);
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    public UpgradeScope scope() {
        return new UpgradeScope(tables);
    }
}
