INSERT OR IGNORE INTO node_samples (node_id, at, version, status, failures, lag_seconds, lag_bytes, lag_xid,
    conflicts_minute, conflicts_total, walsender_active, wal_receiver_active, in_recovery, replay_delay_seconds)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
