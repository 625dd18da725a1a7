-- the newest sample of every present node: what the next snapshot's events are derived against
SELECT n.name, s.status, s.lag_seconds, s.conflicts_minute, s.walsender_active, s.wal_receiver_active, s.in_recovery
FROM nodes n
JOIN node_samples s ON s.node_id = n.node_id
    AND s.at = (SELECT max(at) FROM node_samples x WHERE x.node_id = n.node_id)
WHERE n.present = 1
