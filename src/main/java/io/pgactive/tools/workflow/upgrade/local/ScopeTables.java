package io.pgactive.tools.workflow.upgrade.local;

import io.pgactive.tools.contract.upgrade.UpgradeScope;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tables an {@link UpgradeScope} names in one database. Patterns become LIKE patterns passed as bind parameters
 * and matched against the catalog; nothing from a pattern ever becomes SQL text.
 */
final class ScopeTables {

    /** Ordinary and partitioned tables (not partitions: the root publishes them), outside system and extension schemas. */
    private static final String TABLES = """
            SELECT n.nspname, c.relname, c.relpersistence = 'u' AS unlogged,
                   CASE c.relreplident
                       WHEN 'f' THEN true
                       WHEN 'n' THEN false
                       WHEN 'i' THEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)
                       ELSE EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
                   END AS has_identity
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
              AND (cardinality(?::text[]) = 0
                   OR EXISTS (SELECT 1 FROM unnest(?::text[], ?::text[]) AS p(s, t)
                              WHERE n.nspname LIKE p.s AND c.relname LIKE p.t))
            ORDER BY 1, 2
            """;

    private static final String PATTERN_MATCHES = """
            SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE c.relkind IN ('r', 'p') AND n.nspname LIKE ? AND c.relname LIKE ?)
            """;

    /** One table in scope. */
    record Table(String schema, String name, boolean unlogged, boolean hasIdentity) {
        String qualified() {
            return schema + "." + name;
        }
    }

    private final List<String> schemaPatterns = new ArrayList<>();
    private final List<String> tablePatterns = new ArrayList<>();
    private final List<String> patterns;

    ScopeTables(UpgradeScope scope) {
        this.patterns = scope.tables();
        for (String pattern : patterns) {
            int dot = pattern == null ? -1 : pattern.indexOf('.');
            if (dot <= 0 || dot == pattern.length() - 1 || pattern.indexOf('.', dot + 1) >= 0) {
                throw new UpgradeException(
                        "scope pattern must be schema.table ('*' for any run of characters): '" + pattern + "'", false);
            }
            schemaPatterns.add(like(pattern.substring(0, dot)));
            tablePatterns.add(like(pattern.substring(dot + 1)));
        }
    }

    List<Table> list(Connection c, int timeoutSeconds) throws SQLException {
        List<Table> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(TABLES)) {
            ps.setQueryTimeout(timeoutSeconds);
            Array schemas = c.createArrayOf("text", schemaPatterns.toArray());
            ps.setArray(1, schemas);
            ps.setArray(2, schemas);
            ps.setArray(3, c.createArrayOf("text", tablePatterns.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new Table(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4)));
                }
            }
        }
        return tables;
    }

    /** The patterns that match no table at all, so that a typo does not silently leave a table behind. */
    List<String> unmatched(Connection c, int timeoutSeconds) throws SQLException {
        List<String> none = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(PATTERN_MATCHES)) {
            ps.setQueryTimeout(timeoutSeconds);
            for (int i = 0; i < patterns.size(); i++) {
                ps.setString(1, schemaPatterns.get(i));
                ps.setString(2, tablePatterns.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        none.add(patterns.get(i));
                    }
                }
            }
        }
        return none;
    }

    /** {@code *} is any run of characters; LIKE's own wildcards and escape character are taken literally. */
    private static String like(String part) {
        return part.replace("\\", "\\\\")
                .replace("%", "\\%")
                .replace("_", "\\_")
                .replace("*", "%");
    }
}
