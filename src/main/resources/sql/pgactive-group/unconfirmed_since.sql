SELECT greatest(0, coalesce(min(pg_wal_lsn_diff(?::pg_lsn, coalesce(confirmed_flush_lsn, '0/0'))),
                             pg_wal_lsn_diff(?::pg_lsn, '0/0')))::bigint
  FROM pgactive.pgactive_get_replication_lag_info()
 WHERE node_name = ?
