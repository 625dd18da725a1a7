INSERT OR IGNORE INTO snapshot_json (version, json) VALUES (?, ?)
