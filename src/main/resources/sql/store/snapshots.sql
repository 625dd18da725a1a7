-- ?1 from, ?2 to (epoch ms), ?3 versions below, ?4 limit
SELECT version, collected_at, cluster_status, nodes_total, nodes_healthy, max_lag_seconds,
    EXISTS (SELECT 1 FROM snapshot_json j WHERE j.version = snapshots.version) AS full_snapshot
FROM snapshots
WHERE collected_at >= ? AND collected_at < ? AND version < ?
ORDER BY version DESC
LIMIT ?
