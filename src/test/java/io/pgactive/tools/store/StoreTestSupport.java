package io.pgactive.tools.store;

import static org.awaitility.Awaitility.await;

import io.pgactive.tools.config.ToolsConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Opens stores on a real SQLite file and reads it back with a separate plain JDBC connection. */
final class StoreTestSupport {

    static final EventDeriver DERIVER = new EventDeriver(5, 15, 3);

    private StoreTestSupport() {}

    static HistoryStore open(HistoryDb db) {
        return open(db, ToolsConfig.Retention.DEFAULT);
    }

    static HistoryStore open(HistoryDb db, ToolsConfig.Retention retention) {
        HistoryStore store = new HistoryStore(db, DERIVER, retention, 32L << 20, 50_000);
        store.start();
        return store;
    }

    static void awaitStored(HistoryStore store, long version) {
        await().atMost(Duration.ofSeconds(20)).until(() -> store.status().storedVersion() >= version);
    }

    static long count(Path db, String sql, Object... args) {
        List<List<Object>> rows = query(db, sql, args);
        return ((Number) rows.get(0).get(0)).longValue();
    }

    static List<List<Object>> query(Path db, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
                PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            List<List<Object>> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getObject(i));
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
