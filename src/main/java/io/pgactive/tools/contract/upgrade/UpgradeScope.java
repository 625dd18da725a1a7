package io.pgactive.tools.contract.upgrade;

import java.util.List;

/**
 * Which tables an upgrade replicates: patterns such as {@code public.*} or {@code sales.orders}. An empty list means
 * every table of every non-system schema.
 *
 * <p>A pattern is {@code schema.table}; {@code *} stands for any run of characters within one part. Patterns are
 * matched by the implementations against the catalog, never concatenated into SQL.
 */
public record UpgradeScope(List<String> tables) {

    public static final UpgradeScope ALL = new UpgradeScope(List.of());

    public UpgradeScope {
        tables = tables == null ? List.of() : List.copyOf(tables);
    }
}
