package io.pgactive.tools.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One user-defined metric query from {@code config/queries/*.sql}: which columns are labels, which are numeric values
 * (with an explicit type and unit, never guessed), on which servers it runs and how long it may take.
 */
public record CustomQuery(
        String name,
        String help,
        List<String> labels,
        List<Value> values,
        int minServerVersion,
        Role role,
        Duration timeout,
        String sql,
        Path file,
        int maxRows) {

    /** Rows a custom query may return unless its file says otherwise: every row becomes series and snapshot data. */
    public static final int DEFAULT_MAX_ROWS = 500;

    public enum Type {
        GAUGE,
        COUNTER
    }

    /** Which nodes run the query: all of them, only those not in recovery, or only standbys. */
    public enum Role {
        ANY,
        PRIMARY,
        STANDBY
    }

    public record Value(String column, Type type, String unit) {}

    public CustomQuery {
        labels = List.copyOf(labels);
        values = List.copyOf(values);
    }

    /** The same query with another statement timeout (fitted inside the node deadline at start-up). */
    public CustomQuery withTimeout(Duration t) {
        return new CustomQuery(name, help, labels, values, minServerVersion, role, t, sql, file, maxRows);
    }

    public boolean appliesTo(int serverVersionNum, boolean inRecovery) {
        if (serverVersionNum < minServerVersion) {
            return false;
        }
        return switch (role) {
            case ANY -> true;
            case PRIMARY -> !inRecovery;
            case STANDBY -> inRecovery;
        };
    }
}
