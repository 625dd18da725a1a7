INSERT OR IGNORE INTO snapshots (version, collected_at, cluster_status, nodes_total, nodes_healthy, max_lag_seconds)
VALUES (?, ?, ?, ?, ?, ?)
