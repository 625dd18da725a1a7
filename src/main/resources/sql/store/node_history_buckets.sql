-- The same rows as node_history.sql, aggregated into buckets of ?5 ms from ?2: worst status, mean (weighted by the
-- samples behind each row) and max lag, max of the counters. ?1 node name, [?2, ?3) range, ?4 limit
SELECT (at - ?2) / ?5 * ?5 + ?2 AS at, max(status) AS status,
    sum(lag_seconds * samples) / sum(CASE WHEN lag_seconds IS NULL THEN 0 ELSE samples END) AS lag_seconds,
    max(lag_seconds_max) AS lag_seconds_max, max(lag_bytes) AS lag_bytes, max(lag_xid) AS lag_xid,
    max(conflicts_minute) AS conflicts_minute, max(conflicts_total) AS conflicts_total,
    min(walsender_active) AS walsender_active, min(wal_receiver_active) AS wal_receiver_active,
    max(in_recovery) AS in_recovery, sum(samples) AS samples
FROM (
    SELECT at, status, lag_seconds, lag_seconds AS lag_seconds_max, lag_bytes, lag_xid, conflicts_minute,
        conflicts_total, walsender_active, wal_receiver_active, in_recovery, 1 AS samples
    FROM node_samples
    WHERE node_id = (SELECT node_id FROM nodes WHERE name = ?1) AND at >= ?2 AND at < ?3
    UNION ALL
    SELECT at, status, lag_seconds, lag_seconds_max, lag_bytes, lag_xid, conflicts_minute, conflicts_total,
        CASE WHEN walsender_down > 0 THEN 0 ELSE NULL END, NULL, NULL, samples
    FROM node_minutes
    WHERE node_id = (SELECT node_id FROM nodes WHERE name = ?1) AND at >= ?2 AND at < ?3
)
GROUP BY 1
ORDER BY 1
LIMIT ?4
