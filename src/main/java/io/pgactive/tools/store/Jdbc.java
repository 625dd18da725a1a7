package io.pgactive.tools.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/** Binding nullable values and ending transactions the way the history database needs. */
final class Jdbc {

    private Jdbc() {}

    /** NaN and infinities have no SQL value; they are stored as unknown. */
    static void setDouble(PreparedStatement s, int i, Double v) throws SQLException {
        if (v == null || v.isNaN() || v.isInfinite()) {
            s.setNull(i, Types.REAL);
        } else {
            s.setDouble(i, v);
        }
    }

    static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setLong(i, v);
        }
    }

    static void setBool(PreparedStatement s, int i, Boolean v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setInt(i, v ? 1 : 0);
        }
    }

    /** After SQLITE_FULL SQLite has already rolled back, and leaving a transaction that is gone must not mask why. */
    static void autoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the connection is in autocommit mode again either way
        }
    }

    static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the failed transaction is rolled back by SQLite itself when it cannot be
        }
    }
}
