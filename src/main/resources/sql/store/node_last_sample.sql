SELECT s.at, s.version, s.status, s.failures, s.lag_seconds, s.lag_bytes, s.lag_xid, s.conflicts_minute,
    s.conflicts_total, s.walsender_active, s.wal_receiver_active, s.in_recovery, s.replay_delay_seconds
FROM node_samples s
JOIN nodes n ON n.node_id = s.node_id
WHERE n.name = ?
ORDER BY s.at DESC
LIMIT 1
