SELECT min(version) FROM snapshots WHERE version > ?
