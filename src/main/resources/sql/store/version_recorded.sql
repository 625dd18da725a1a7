SELECT count(*) FROM snapshots WHERE version = ?
