SELECT current_setting('rds.enable_pgactive', true) AS rds_enable_pgactive,
       current_setting('shared_preload_libraries') AS preload,
       current_setting('wal_level') AS wal_level,
       current_setting('track_commit_timestamp') AS track_commit_timestamp
