SELECT bool_or(coalesce(active, false)) AS active,
       max(pending_wal_to_apply) AS pending_wal_to_apply,
       max(pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(confirmed_flush_lsn, '0/0'))) AS unconfirmed
  FROM pgactive.pgactive_get_replication_lag_info()
 WHERE node_name = ?
