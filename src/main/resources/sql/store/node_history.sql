-- A node's samples in [?2, ?3): full-resolution rows and, where those were folded, one row per minute.
-- ?1 node name, ?4 limit
SELECT at, status, lag_seconds, lag_bytes, lag_xid, conflicts_minute, conflicts_total, walsender_active,
    wal_receiver_active, in_recovery, samples
FROM (
    SELECT at, status, lag_seconds, lag_bytes, lag_xid, conflicts_minute, conflicts_total, walsender_active,
        wal_receiver_active, in_recovery, 1 AS samples
    FROM node_samples
    WHERE node_id = (SELECT node_id FROM nodes WHERE name = ?1) AND at >= ?2 AND at < ?3
    UNION ALL
    SELECT at, status, lag_seconds, lag_bytes, lag_xid, conflicts_minute, conflicts_total,
        CASE WHEN walsender_down > 0 THEN 0 ELSE NULL END, NULL, NULL, samples
    FROM node_minutes
    WHERE node_id = (SELECT node_id FROM nodes WHERE name = ?1) AND at >= ?2 AND at < ?3
)
ORDER BY at
LIMIT ?4
