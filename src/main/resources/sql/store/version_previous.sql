SELECT max(version) FROM snapshots WHERE version < ?
