-- Folds one node's samples in [?2, ?3) into per-minute rows: worst status, mean and max lag, max of the counters,
-- and how many samples saw the WAL sender down. ?1 node_id
INSERT INTO node_minutes (node_id, at, samples, status, lag_seconds, lag_seconds_max, lag_bytes, lag_xid,
    conflicts_minute, conflicts_total, walsender_down)
SELECT node_id, (at / 60000) * 60000, count(*), max(status), avg(lag_seconds), max(lag_seconds), max(lag_bytes),
    max(lag_xid), max(conflicts_minute), max(conflicts_total), sum(CASE WHEN walsender_active = 0 THEN 1 ELSE 0 END)
FROM node_samples
WHERE node_id = ?1 AND at >= ?2 AND at < ?3
GROUP BY 1, 2
ON CONFLICT (node_id, at) DO NOTHING
